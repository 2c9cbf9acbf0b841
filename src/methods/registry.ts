// Backup methods by name: a definition's `method:` (validated against the methods there are) or the
// method recorded with a run, which a newer pgbackops sharing the catalog may have written.
import { isBackupMethod } from '../core/methods/registry.js';
import type { BackupMethodName } from '../core/model.js';
import { BASEBACKUP_METHOD } from './basebackup/basebackup-method.js';
import { LOGICAL_METHOD } from './logical/logical-method.js';
import type { BackupMethod } from './method.js';
import { PGBACKREST_METHOD } from './pgbackrest/pgbackrest-method.js';
import { PgbackopsError } from '../core/errors.js';

const METHODS: Readonly<Record<BackupMethodName, BackupMethod>> = {
  logical: LOGICAL_METHOD,
  basebackup: BASEBACKUP_METHOD,
  pgbackrest: PGBACKREST_METHOD,
};

/** A method this version of pgbackops does not have: a run or definition written by a newer one. */
export class UnknownBackupMethodError extends PgbackopsError {
  readonly code = 'E_METHOD_UNKNOWN';
}

/** @param whose what names the method, for the error: "backup 1234abcd", "definition orders-nightly" */
export function backupMethodOf(name: string, whose: string): BackupMethod {
  if (!isBackupMethod(name)) {
    throw new UnknownBackupMethodError(`${whose} names the backup method ${JSON.stringify(name)}, which this version of pgbackops does not have (it has: ${Object.keys(METHODS).join(', ')}); use a pgbackops that has it`);
  }
  return METHODS[name];
}
