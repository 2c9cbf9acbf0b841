// Paths written in the configuration end up in file operations and libpq parameters; refuse the forms
// that are ambiguous (relative to whatever the current directory is), climb out (..), hide a control
// character, or name no place of their own (the file system root, the state directory itself). The last
// is decided on the normalised path: "//", "/." and "/./" are the root as much as "/" is.
import { posix } from 'node:path';

export interface PathRule {
  /** Relative paths are resolved against the pgbackops state directory (backupRoot, scheduler.file). */
  allowRelative: boolean;
}

/** Why a path is refused, or null when it is valid. */
export function pathProblem(path: string, rule: PathRule): string | null {
  // (A NUL is refused in every string of the configuration: storable-text.ts.)
  if (/[\r\n]/.test(path)) return 'it contains a line break';
  if (path.startsWith('~')) return 'it starts with "~", which is not expanded: write the full path';
  if (!rule.allowRelative && !path.startsWith('/')) return 'it is not absolute: write a path starting with "/"';
  if (path.split('/').includes('..')) return 'it contains a ".." segment: write the path without climbing up';
  const normal = posix.normalize(path);
  if (normal === '/') return 'it is the file system root: give a directory or file of its own';
  if (normal === '.' || normal === './') return 'it is the state directory itself (relative paths are resolved against it): give a directory or file of its own';
  return null;
}
