// What an import reports: every value that has no exact equivalent in pgbackops, and everything it did not
// import, as a stable code, the source object, and what was chosen instead. The codes are a contract
// (scripts grep for them); docs/migrating.md explains each one.

export const IMPORT_CODES = {
  // Both importers
  I_RETENTION_APPROXIMATED: 'a retention was translated to keepWithin + keepLast, whose counting differs',
  I_RETENTION_DEFAULTED: 'nothing said how long backups are kept; a default retention was written',
  I_TIMEZONE_ASSUMED: 'cron ran in the backup server\'s local time, which the source does not record',
  I_OPTION_DROPPED: 'a pg_dump / pg_dumpall option that pgbackops cannot pass was left out',
  I_PASSWORD_NOT_IMPORTED: 'a password was found; it is never written to the configuration',
  // PgBackMan
  I_SERVER_STATUS_DROPPED: 'a stopped PgBackMan backup server: pgbackops servers have no status',
  I_NODE_SPLIT: 'a node backed up by several backup servers became one Node per server',
  I_NODE_SERVER_GUESSED: 'a node without definitions was given a backup server',
  I_NODE_SKIPPED: 'a node could not be imported (no backup server exists)',
  I_NODE_SETTING_DROPPED: 'a per-node PgBackMan setting without an equivalent',
  I_SERVER_SETTING_DROPPED: 'a per-server PgBackMan setting without an equivalent',
  I_BACKUP_LOCATION_CHANGED: 'new backups are written under backupRoot/<node>/<definition>/, not PgBackMan\'s node partitions',
  I_BACKUP_CODE_APPROXIMATED: 'a backup code mapped to the closest type (RDS -> full)',
  I_BACKUP_CODE_UNSUPPORTED: 'a backup code pgbackops has no type for (CONFIG): not imported',
  I_ENCRYPTION_DROPPED: 'encryption was set (PgBackMan never implemented it)',
  I_SCHEDULE_INVALID: 'a cron schedule pgbackops refuses: the definition was not imported',
  I_DEFINITION_DELETED: 'a definition PgBackMan marked DELETED: not written; its backups keep their retention',
  I_SNAPSHOT_ALREADY_DUE: 'a snapshot whose time has passed: not written (it would run again)',
  I_SNAPSHOT_SETTING_DROPPED: 'a snapshot setting without an equivalent (pg_dump release)',
  I_RESTORE_NOT_IMPORTED: 'a restore definition: not written (pgbackops restores only backups it took)',
  I_HISTORY_FILE_MISSING: 'a backup whose dump is not on disk here: recorded as failed',
  I_HISTORY_STATUS_WARNING: 'backups PgBackMan recorded with status WARNING: recorded as succeeded',
  I_HISTORY_UNASSIGNED: 'a backup of no known definition or snapshot: not recorded',
  I_HISTORY_OUTSIDE_BACKUP_ROOT: 'a backup outside its server\'s backupRoot: prune will not remove its files',
  I_HISTORY_SIDE_FILES: 'PgBackMan\'s roles, dbconfig and log files are not removed with a dump',
  I_HISTORY_NOT_RESTORABLE: 'imported backups are listed and expired, but restored with PgBackMan\'s tools',
  // crontab
  I_CRON_LINE_NOT_UNDERSTOOD: 'a line that runs a PostgreSQL backup tool but could not be understood',
  I_CRON_BASEBACKUP_UNSUPPORTED: 'a pg_basebackup line: not translated; write a Backup with method: basebackup for it',
  I_CRON_GLOBALS_ONLY: 'a pg_dumpall of roles / tablespaces only: covered by every pgbackops database backup',
  I_CRON_OUTPUT_REPLACED: 'where the dump was written (-f, redirection, pipe) is decided by pgbackops',
  I_CRON_FORMAT_CHANGED: 'a plain or tar dump of a database becomes a custom archive',
  I_CRON_DEFAULT_USED: 'a connection setting the line left to libpq\'s defaults was written explicitly',
} as const;

export type ImportCode = keyof typeof IMPORT_CODES;

export interface ImportFinding {
  code: ImportCode;
  /** The source object, as its owner would name it: `backup_definition 12 (...)`, `crontab line 7`. */
  object: string;
  /** What pgbackops wrote or did instead. */
  chosen: string;
}

/** Findings in a stable order: by code, then by object, so two imports of the same source print the same. */
export function sortFindings(findings: readonly ImportFinding[]): ImportFinding[] {
  const key = (f: ImportFinding) => `${f.code}\u0000${f.object}\u0000${f.chosen}`;
  return [...findings].sort((a, b) => compareNatural(key(a), key(b)));
}

/** Order that reads numbers as numbers ("line 9" before "line 10"), independent of the locale. */
export function compareNatural(a: string, b: string): number {
  const pa = a.split(/(\d+)/);
  const pb = b.split(/(\d+)/);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    if (i % 2 === 1 && x.length <= 15 && y.length <= 15) return Number(x) - Number(y) || (x < y ? -1 : 1);
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}
