// Backup runs as recorded in the catalog (or, while the catalog is down, in the local spool).
import type { BasebackupFacts } from '../methods/basebackup/facts.js';
import type { PgbackrestRunFacts } from '../methods/pgbackrest/run-facts.js';
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

/**
 * A run of the basebackup method (pg_basebackup of the whole cluster: `database` is null). The logical
 * method's columns stay null (migration 014's check); its facts are in `methodFacts` once it succeeded.
 */
export interface BasebackupRunRecord extends RunRecordBase {
  method: 'basebackup';
  backupType: null;
  format: null;
  pgDumpVersion: null;
  methodFacts: BasebackupFacts | null;
}

/**
 * A run of the pgbackrest method: the backup lives in the server's pgBackRest repository (`directory` is null
 * when it succeeded, its log file when it failed), described by its facts (run-facts.ts).
 */
export interface PgbackrestRunRecord extends RunRecordBase {
  method: 'pgbackrest';
  backupType: null;
  format: null;
  pgDumpVersion: null;
  methodFacts: PgbackrestRunFacts;
}

/** One backup run as recorded in the catalog (or, while the catalog is down, in the local spool). */
export type RunRecord = LogicalRunRecord | BasebackupRunRecord | PgbackrestRunRecord;

/** What a run's method records of its own, as a new run starts (its method's member of RunRecord). */
export type MethodRunFacts =
  | Omit<LogicalRunRecord, keyof RunRecordBase>
  | Omit<BasebackupRunRecord, keyof RunRecordBase>
  | Omit<PgbackrestRunRecord, keyof RunRecordBase>;

/** Backup directory name for a run: sortable UTC timestamp, safe as a path part. */
export function runDirectoryName(startedAt: Date): string {
  return startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}
