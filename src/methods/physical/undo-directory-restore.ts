// Undoing a failed restore into a directory (docs/restore.md, "Restoring into a directory"), shared by the
// physical methods: only what this restore created goes. The data directory itself when the restore made it,
// else what was written into the empty one it was given; each tablespace location likewise (those it created,
// else their contents: they were empty before). What went wrong is kept in the restore's log, as is anything
// that could not be removed.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

export interface RestoredLocation {
  path: string;
  /** This restore created it (it did not exist): removed whole; else only its entries. */
  created: boolean;
}

export async function undoDirectoryRestore(dataDirectory: RestoredLocation, tablespaces: readonly RestoredLocation[], log: string[]): Promise<void> {
  await removeWritten(dataDirectory)
    .then(() => log.push(`removed what the restore wrote into ${dataDirectory.path}`), (e: Error) => log.push(`could not remove what the restore wrote into ${dataDirectory.path}: ${e.message}`));
  for (const t of tablespaces) {
    await removeWritten(t).then(() => undefined, (e: Error) => log.push(`could not remove what the restore wrote into ${t.path}: ${e.message}`));
  }
}

async function removeWritten(location: RestoredLocation): Promise<void> {
  if (location.created) {
    await rm(location.path, { recursive: true, force: true });
    return;
  }
  const names = await readdir(location.path).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
  await Promise.all(names.map((n) => rm(join(location.path, n), { recursive: true, force: true })));
}
