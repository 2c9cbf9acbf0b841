// The pgbackrest method: pgBackRest takes, verifies, restores and expires physical backups of a node's whole
// cluster in the backup server's repository. Its pure half is PGBACKREST_RULES (src/core/methods/pgbackrest/);
// the configuration file it runs with is converged by src/engine/pgbackrest-config.ts. docs/pgbackrest.md.
import { PGBACKREST_RULES } from '../../core/methods/pgbackrest/rules.js';
import { RestoreRefusedError, type BackupMethod } from '../method.js';
import { takePgbackrestBackup } from './take-backup.js';

export const PGBACKREST_METHOD: BackupMethod = {
  name: 'pgbackrest',
  rules: PGBACKREST_RULES,
  check: async (target) => (await import('./check.js')).checkPgbackrestPrerequisites(target),
  // A backup of the whole cluster: one record per run, asked nothing of the node's databases.
  firstDatabase: (definition) => definition.node.maintenanceDatabase,
  plannedDatabases: () => [null],
  databasesToBackUp: async () => [null],
  takeBackup: (request) => takePgbackrestBackup(request),
  recordVanished: async () => [],
  verify: async (catalog, row, request) => (await import('./verify.js')).verifyPgbackrestBackup(catalog, row, request),
  restore: async (_catalog, request) => {
    throw new RestoreRefusedError(`backup ${request.backup.id} is a pgBackRest backup of the whole cluster: restore it into a directory with --to-dir DIR (a node's databases cannot be restored from it one by one)`);
  },
  restoreToDirectory: async (catalog, request) => (await import('./restore-to-directory.js')).restorePgbackrestToDirectory(catalog, request),
};
