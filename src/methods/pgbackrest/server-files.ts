// Where this backup server's pgBackRest files are (its configuration file, repository, logs), and who runs
// pgBackRest on them: the job user, which must be the PostgreSQL OS user (docs/pgbackrest.md).
import { isRoot } from '../../adapters/os/os-user.js';
import { pgbackrestPaths, type PgbackrestPaths } from '../../core/methods/pgbackrest/config-file.js';
import type { BackupServerSpec } from '../../core/model.js';
import { backupRootOf, resolveJobUser } from '../../runtime/job-user.js';
import type { PgbackrestInvocation } from './run-pgbackrest.js';

export function serverPgbackrestPaths(stateDir: string, server: BackupServerSpec): PgbackrestPaths {
  return pgbackrestPaths(backupRootOf(stateDir, server));
}

/** How to invoke pgbackrest for this server: its file, and as its job user when this process is root. */
export async function pgbackrestInvocation(stateDir: string, server: BackupServerSpec): Promise<PgbackrestInvocation> {
  const paths = serverPgbackrestPaths(stateDir, server);
  if (!isRoot()) return { config: paths.config };
  const user = await resolveJobUser(stateDir, server);
  return { config: paths.config, ...(user.uid === 0 ? {} : { as: { uid: user.uid, gid: user.gid } }) };
}
