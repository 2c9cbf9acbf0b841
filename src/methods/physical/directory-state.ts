// What is at a directory a physical restore is to write into (its data directory, a tablespace's new location):
// absent (and whether its parent exists), empty, not empty, or not a directory; the plan refuses all but the
// first two (src/core/restore/tablespace-placements.ts).
import { lstat, readdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DirectoryState } from '../../core/restore/tablespace-placements.js';

export async function directoryState(dir: string): Promise<DirectoryState> {
  const st = await lstat(dir).catch(() => null);
  if (!st) return { kind: 'absent', parentExists: (await stat(dirname(dir)).catch(() => null))?.isDirectory() ?? false };
  if (!st.isDirectory()) return { kind: 'not-a-directory' };
  const entries = await readdir(dir);
  return entries.length === 0 ? { kind: 'empty-directory' } : { kind: 'not-empty', entries: entries.length };
}
