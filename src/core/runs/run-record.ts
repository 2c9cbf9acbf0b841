// Backup runs as recorded in the catalog (or, while the catalog is down, in the local spool).
import type { BackupType, DumpFormat, EncryptionSpec, RetentionSpec } from '../model.js';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'skipped' | 'abandoned' | 'expiring';

export interface RunFile {
  /** Path relative to the backup directory. */
  path: string;
  bytes: number;
  sha256: string;
  /**
   * An encrypted file (name ending in .age): the bytes and sha256 of what was encrypted, hashed in the same
   * pass before the encryptor. `bytes` and `sha256` above are the ciphertext's, what is on disk.
   */
  plaintext?: { bytes: number; sha256: string };
}

/** What every run records, whatever its method. */
interface RunRecordBase {
  id: string;
  definition: string;
  node: string;
  backupServer: string;
  /** null for a backup of the whole cluster (pg_dumpall). */
  database: string | null;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  /** Final backup directory (absolute) when succeeded. */
  directory: string | null;
  bytes: number | null;
  files: RunFile[] | null;
  serverVersion: string | null;
  failureReason: string | null;
  failureDetail: string | null;
  /** The run's log (redacted argv, tool stderr, timings). */
  log: string | null;
  /** Retention and timezone in force when the run was taken: what prunes it if its definition is removed. */
  retention: RetentionSpec | null;
  timezone: string;
  /** The recipients its files were encrypted to (docs/encryption.md); null: not encrypted. */
  encryption: EncryptionSpec | null;
}

/**
 * A run of the logical method (pg_dump / pg_dumpall). Its facts are the columns it has always had; its
 * `methodFacts` are null. Another method's run has its own member, with its facts in `methodFacts`.
 */
export interface LogicalRunRecord extends RunRecordBase {
  method: 'logical';
  backupType: BackupType;
  format: DumpFormat;
  pgDumpVersion: string | null;
  methodFacts: null;
}

/** One backup run as recorded in the catalog (or, while the catalog is down, in the local spool). */
export type RunRecord = LogicalRunRecord;

/** What a run's method records of its own, as a new run starts (its method's member of RunRecord). */
export type MethodRunFacts = Omit<RunRecord, keyof RunRecordBase>;

/** Backup directory name for a run: sortable UTC timestamp, safe as a path part. */
export function runDirectoryName(startedAt: Date): string {
  return startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}
