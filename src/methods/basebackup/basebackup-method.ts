// The basebackup method: pg_basebackup of the whole cluster (tar, WAL streamed, manifest verified), restored
// into a directory and recovered to a point in time with the node's WAL archive. Its pure half is
// BASEBACKUP_RULES (src/core/methods/basebackup/); check, verify and restore are loaded when called.
import { BASEBACKUP_RULES } from '../../core/methods/basebackup/rules.js';
import type { BackupMethod } from '../method.js';
import { RestoreRefusedError } from '../method.js';
import { takeBasebackup } from './take-basebackup.js';

export const BASEBACKUP_METHOD: BackupMethod = {
  name: 'basebackup',
  rules: BASEBACKUP_RULES,
  check: async (target) => (await import('./check.js')).checkBasebackupPrerequisites(target),
  firstDatabase: (definition) => definition.node.maintenanceDatabase,
  // One backup per run: the cluster.
  plannedDatabases: (request) => {
    if (request.database) throw new Error(`definition ${request.definition.name} takes base backups of the whole cluster: it cannot back up database "${request.database}" alone`);
    return [null];
  },
  databasesToBackUp: async () => [null],
  takeBackup: takeBasebackup,
  recordVanished: async () => [],
  verify: async (catalog, row, request) => (await import('./verify.js')).verifyBasebackup(catalog, row, request),
  restore: async () => {
    throw new RestoreRefusedError('a basebackup restores a whole cluster into a directory: use restore ID --to-dir DIR (see docs/restore.md, "Physical backups")');
  },
  restoreToDirectory: async (catalog, request) => (await import('./restore-to-directory.js')).restoreBasebackupToDirectory(catalog, request),
};
