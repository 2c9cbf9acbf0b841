// Where a node's WAL archive lives on its backup server: <backupRoot>/<node>/_wal/, next to the node's
// definitions (<backupRoot>/<node>/<definition>/...). Object names never start with "_" (src/core/names.ts), so
// the directory cannot collide with a definition. In it, files are named as PostgreSQL names them
// (src/core/wal/wal-segment.ts): complete segments, at most one `.partial` segment being written by
// pg_receivewal, `.history` files; the writers (pg_receivewal supervised by the daemon, or a node's
// archive_command) and the readers (restore_command through `pgbackops wal-fetch`, retention, status) agree on
// nothing else.
import { join } from 'node:path';

export const WAL_ARCHIVE_DIRECTORY = '_wal';

/** @param backupRoot the backup server's backup root, already resolved to an absolute path */
export function walArchiveDirectory(backupRoot: string, node: string): string {
  return join(backupRoot, node, WAL_ARCHIVE_DIRECTORY);
}
