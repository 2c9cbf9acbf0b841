// One backup run as recorded in the catalog (or, while the catalog is down, in the local spool).
import type { BackupType, DumpFormat, RetentionSpec } from '../model.js';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'skipped' | 'abandoned' | 'expiring';

export interface RunFile {
  /** Path relative to the backup directory. */
  path: string;
  bytes: number;
  sha256: string;
}

export interface RunRecord {
  id: string;
  definition: string;
  node: string;
  backupServer: string;
  /** null for a cluster (pg_dumpall) backup. */
  database: string | null;
  backupType: BackupType;
  format: DumpFormat;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  /** Final backup directory (absolute) when succeeded. */
  directory: string | null;
  bytes: number | null;
  files: RunFile[] | null;
  pgDumpVersion: string | null;
  serverVersion: string | null;
  failureReason: string | null;
  failureDetail: string | null;
  /** The run's log (redacted argv, tool stderr, timings). */
  log: string | null;
  /** Retention and timezone in force when the run was taken: what prunes it if its definition is removed. */
  retention: RetentionSpec | null;
  timezone: string;
}

/** Backup directory name for a run: sortable UTC timestamp, safe as a path part. */
export function runDirectoryName(startedAt: Date): string {
  return startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}
