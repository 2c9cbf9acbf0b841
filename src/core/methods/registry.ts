// Backup methods by name: the pure rules of each (the I/O implementations are looked up the same way in
// src/methods/registry.ts). A name comes from a spec's `method:` (validated against BACKUP_METHODS) or from
// a run recorded in the catalog, which a newer pgbackops may have written.
import { BACKUP_METHODS, type BackupMethodName } from '../model.js';
import type { MethodRules } from './method-rules.js';
import { BASEBACKUP_RULES } from './basebackup/rules.js';
import { LOGICAL_RULES } from './logical/rules.js';
import { PGBACKREST_RULES } from './pgbackrest/rules.js';

const RULES: Readonly<Record<BackupMethodName, MethodRules>> = {
  logical: LOGICAL_RULES,
  basebackup: BASEBACKUP_RULES,
  pgbackrest: PGBACKREST_RULES,
};

export function isBackupMethod(name: unknown): name is BackupMethodName {
  return typeof name === 'string' && (BACKUP_METHODS as readonly string[]).includes(name);
}

export function methodRulesOf(name: BackupMethodName): MethodRules {
  return RULES[name];
}
