// Paths written in the configuration end up in file operations and libpq parameters; refuse the forms
// that are ambiguous (relative to whatever the current directory is), climb out (..) or hide a control
// character.

export interface PathRule {
  /** Relative paths are resolved against the pgbackops state directory (backupRoot, scheduler.file). */
  allowRelative: boolean;
}

/** Why a path is refused, or null when it is valid. */
export function pathProblem(path: string, rule: PathRule): string | null {
  if (/[\0\r\n]/.test(path)) return 'it contains a NUL or line break';
  if (path.startsWith('~')) return 'it starts with "~", which is not expanded: write the full path';
  if (!rule.allowRelative && !path.startsWith('/')) return 'it is not absolute: write a path starting with "/"';
  if (path.split('/').includes('..')) return 'it contains a ".." segment: write the path without climbing up';
  return null;
}
