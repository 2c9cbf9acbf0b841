// The logical method: pg_dump of each database (pg_dumpall for `type: cluster`), restored with pg_restore or
// psql. Its pure half is LOGICAL_RULES (src/core/methods/logical/); verify, restore and the prerequisite
// check are loaded when called, so a scheduled run loads only what dumping needs.
import { LOGICAL_RULES } from '../../core/methods/logical/rules.js';
import type { BackupMethod } from '../method.js';
import { databasesToDump, firstDatabase, plannedDatabases, recordVanishedDatabases } from './databases.js';
import { dumpDatabase } from './dump-database.js';

export const LOGICAL_METHOD: BackupMethod = {
  name: 'logical',
  rules: LOGICAL_RULES,
  check: async (target) => (await import('./check.js')).checkLogicalPrerequisites(target),
  firstDatabase,
  plannedDatabases,
  databasesToBackUp: databasesToDump,
  takeBackup: dumpDatabase,
  recordVanished: recordVanishedDatabases,
  verify: async (catalog, row, request) => (await import('./verify.js')).verifyBackup(catalog, row, request),
  restore: async (catalog, request) => (await import('./restore.js')).restoreBackup(catalog, request),
};
