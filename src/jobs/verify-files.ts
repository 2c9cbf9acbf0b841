// Does a backup directory still hold what its manifest (and the catalog) says it holds? Every file's size and
// sha256 are compared; nothing is trusted by name or date. Used by restore (before touching anything) and
// by verify.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File } from '../adapters/fs/file-digest.js';
import type { RunFile } from '../core/runs/run-record.js';

export interface FileCheck {
  /** Files compared. */
  checked: number;
  /** One line per problem; empty when everything matches. */
  problems: string[];
}

/** Bytes hashed so far against the total the manifest records (for a progress line). */
export type HashProgress = (hashed: number, total: number) => void;

/**
 * @param options.checksumLater files (by their path in the manifest) whose size is checked here but whose
 *   sha256 the caller compares itself, from a read it makes anyway (see checksumProblem)
 * @param catalogFiles the files recorded in the catalog row, compared with manifest.json too: a manifest
 *   rewritten to match a tampered file would otherwise pass.
 */
export async function verifyBackupFiles(
  directory: string, catalogFiles: readonly RunFile[] | null, backupServer?: string,
  options: { checksumLater?: (path: string) => boolean; onProgress?: HashProgress } = {},
): Promise<FileCheck> {
  const onProgress = options.onProgress;
  let manifest: { files?: RunFile[] };
  try {
    manifest = JSON.parse(await readFile(join(directory, 'manifest.json'), 'utf8')) as { files?: RunFile[] };
  } catch (err) {
    // The usual cause: running on another machine than the backup server that holds the files.
    const where = (err as NodeJS.ErrnoException).code === 'ENOENT' && backupServer ? ` (the files are on backup server ${backupServer}: run this there)` : '';
    return { checked: 0, problems: [`cannot read ${join(directory, 'manifest.json')}: ${(err as Error).message}${where}`] };
  }
  const files = manifest.files ?? [];
  const problems: string[] = [];
  // The total is what the manifest records: a file found missing or of another size counts as done unread.
  const total = files.reduce((sum, f) => sum + f.bytes, 0);
  let hashed = 0;
  const report = onProgress ? (bytes: number) => onProgress((hashed += bytes), total) : undefined;
  onProgress?.(0, total);
  if (files.length === 0) problems.push('manifest.json lists no files');
  if (catalogFiles && JSON.stringify(sortFiles(catalogFiles)) !== JSON.stringify(sortFiles(files))) {
    problems.push('manifest.json does not match the files recorded in the catalog');
  }
  for (const f of files) {
    if (f.path.split('/').includes('..') || f.path.startsWith('/')) {
      problems.push(`${f.path}: not a path inside the backup directory`);
      continue;
    }
    const path = join(directory, f.path);
    const size = await stat(path).then((s) => s.size, () => null);
    if (size === null) {
      problems.push(`${f.path}: missing`);
      continue;
    }
    if (size !== f.bytes) {
      problems.push(`${f.path}: ${size} bytes, manifest says ${f.bytes}`);
      continue;
    }
    // A caller that reads the file anyway (a restore extracting a tar) compares its sha256 on the way.
    if (options.checksumLater?.(f.path)) continue;
    if ((await sha256File(path, report)) !== f.sha256) problems.push(`${f.path}: sha256 differs from the manifest`);
  }
  return { checked: files.length, problems };
}

function sortFiles(files: readonly RunFile[]): RunFile[] {
  return [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((f) => ({ path: f.path, bytes: f.bytes, sha256: f.sha256 }));
}

/** The problem of a file whose sha256 the caller computed (checksumLater), or null when it matches. */
export function checksumProblem(file: RunFile, computed: { bytes: number; sha256: string }): string | null {
  if (computed.bytes !== file.bytes) return `${file.path}: ${computed.bytes} bytes read, manifest says ${file.bytes}`;
  return computed.sha256 === file.sha256 ? null : `${file.path}: sha256 differs from the manifest`;
}
