// The method seam: what a backup method (pg_dump today; pg_basebackup with a WAL archive, pgBackRest next)
// implements, and the jobs and commands call without knowing which method they run. The pure half of a
// method (spec rules, prerequisites, retention dependencies) is its MethodRules in src/core/methods/; the
// I/O half is this interface, one implementation per method under src/methods/<name>/, looked up by name in
// registry.ts. docs/architecture.md, "The method seam", says where each piece lives.
import type { Catalog } from '../adapters/catalog/catalog.js';
import type { BackupRow } from '../adapters/catalog/report-queries.js';
import type { Logger } from '../adapters/logger.js';
import type { MethodRules } from '../core/methods/method-rules.js';
import type { BackupMethodName, BackupServerSpec, NodeSpec } from '../core/model.js';
import type { DirectoryRestoreOptions, DirectoryRestorePlan, DirectoryRestoreResult } from '../core/restore/directory-restore.js';
import type { RestoreOptions, RestorePlan } from '../core/restore/restore-plan.js';
import type { RestorePurpose, RestoreRecord } from '../core/restore/restore-record.js';
import type { RunRecord } from '../core/runs/run-record.js';
import type { RunnableDefinition } from '../runtime/definition-cache.js';
import type { RunRequest } from '../jobs/run-request.js';
import type { FileCheck, HashProgress } from '../jobs/verify-files.js';
import { PgbackopsError } from '../core/errors.js';

export interface BackupMethod {
  readonly name: BackupMethodName;
  /** The pure half: spec rules, prerequisites, what its runs record, what retention may remove. */
  readonly rules: MethodRules;

  /** Checks each of `rules.prerequisites` for one node, from the backup server this process runs on. */
  check(target: CheckTarget): Promise<PrerequisiteCheck[]>;

  // Taking backups. A run of a definition takes one backup per database (null: the whole cluster), each
  // recorded on its own; run-backup.ts holds the run's lock, clears what dead runs left, and records any
  // step that fails outside a backup.

  /** The database the run connects to first: the node's server version is asked there while the catalog opens. */
  firstDatabase(definition: RunnableDefinition, database?: string): string;
  /** The backups the run is to take, as far as known before it starts (null: the cluster, or the definition until listed). */
  plannedDatabases(request: RunRequest): Array<string | null>;
  /** Under the run's lock: the backups it takes (logical `databases: all`: the node's databases now). */
  databasesToBackUp(request: RunRequest): Promise<Array<string | null>>;
  /**
   * Takes one backup and records it: `running` first, then `succeeded` with its directory, files, sizes,
   * sha256 and facts, or `failed` with a classified reason (or `interrupted` when request.stop fired).
   */
  takeBackup(request: RunRequest, database: string | null): Promise<RunRecord>;
  /** After a run that was not stopped: a failed record for each database the last run backed up that is gone now. */
  recordVanished(request: RunRequest, taken: ReadonlyArray<string | null>): Promise<RunRecord[]>;

  /** Is a backup restorable? Its files against their checksums, then the method's own checks, then a trial restore. */
  verify(catalog: Catalog, row: BackupRow, request: VerifyRequest): Promise<VerifyOutcome>;
  /** Plans a restore, and unless it is a dry run, refused or cancelled, executes it and records it. */
  restore(catalog: Catalog, request: RestoreRequest): Promise<RestoreOutcome>;
  /**
   * The physical methods: restores the whole cluster into a directory on this machine and recovers it to a
   * target (src/core/restore/directory-restore.ts). Plans first; a dry run, a refusal or a cancel changes
   * nothing. Absent: the method restores into nodes only (`restore` above).
   */
  restoreToDirectory?(catalog: Catalog, request: DirectoryRestoreRequest): Promise<DirectoryRestoreOutcome>;
}

/** A node to check prerequisites on, with the backup server's client tool directories. */
export interface CheckTarget {
  node: NodeSpec & { name: string };
  pgBinDirs?: Record<string, string>;
  /** Where this node's WAL archive is on this backup server (the physical methods' archive). */
  archiveDir?: string;
  /** The node's backup server and this machine's state directory (pgbackrest: where its configuration file is). */
  server?: { spec: BackupServerSpec; stateDir: string };
}

export interface PrerequisiteCheck {
  /** The prerequisite's name, as in rules.prerequisites. */
  name: string;
  ok: boolean;
  /** What was found, or what is missing and how to provide it. */
  detail: string;
}

export interface VerifyRequest {
  /** Trial-restore into this node. */
  trialNode?: string;
  /** `verify --restore`: a trial restore (a logical backup needs trialNode; a physical one uses a temporary directory). */
  trialRestore?: boolean;
  /**
   * A physical trial restore's recovery target and timeline (`verify --restore --target-time ...`; absent: the
   * backup's end): checked and planned as `restore --to-dir` plans it.
   */
  recovery?: Pick<DirectoryRestoreOptions, 'target' | 'timeline'>;
  /** The age identity (private key) file that decrypts an encrypted backup (docs/encryption.md). */
  identityFile?: string;
  jobs: number;
  stateDir: string;
  actor: string;
  logger: Logger;
  /** Told the bytes hashed of the backup's files against their recorded total (a TTY progress line). */
  onHashProgress?: HashProgress;
  now?: () => Date;
}

export interface VerifyOutcome {
  backupId: string;
  files: FileCheck;
  /** The method's own check that the backup is readable (logical: pg_restore --list of the archive). */
  archive: { checked: boolean; entries: number | null; problem: string | null; note: string | null };
  trial: {
    outcome: RestoreOutcome | null; scratchDatabase: string | null; durationMs: number | null; problem: string | null;
    /** A method's own trial (a physical restore into a directory): what it did, and its record. */
    description?: string; record?: RestoreRecord | null;
  } | null;
  ok: boolean;
}

export interface RestoreRequest {
  backup: BackupRow;
  targetNode: string;
  /** The age identity (private key) file that decrypts an encrypted backup (docs/encryption.md). */
  identityFile?: string;
  options: RestoreOptions;
  dryRun: boolean;
  purpose: RestorePurpose;
  stateDir: string;
  actor: string;
  logger: Logger;
  /** Asked with the plan when it passed every check; false cancels (nothing is changed or recorded). */
  confirm?: (plan: RestorePlan) => Promise<boolean>;
  /** Told each step once the restore started (after the plan and its confirmation): a TTY progress line. */
  onProgress?: RestoreProgressListener;
  now?: () => Date;
}

export interface RestoreOutcome {
  /** The logical method's plan (src/core/restore/restore-plan.ts); another method adds its own member. */
  plan: RestorePlan;
  /** null for a dry run or a cancelled restore. */
  record: RestoreRecord | null;
  recordedIn: 'catalog' | 'spool' | null;
  /** A trial restore that succeeded: what it could not remove afterwards (empty: everything). */
  cleanupFailures: string[];
}

export interface DirectoryRestoreRequest {
  backup: BackupRow;
  options: DirectoryRestoreOptions;
  dryRun: boolean;
  purpose: RestorePurpose;
  stateDir: string;
  actor: string;
  logger: Logger;
  /** Asked with the plan when it passed every check; false cancels (nothing is changed or recorded). */
  confirm?: (plan: DirectoryRestorePlan) => Promise<boolean>;
  /** Told each step once the restore started (after the plan and its confirmation): a TTY progress line. */
  onProgress?: RestoreProgressListener;
  now?: () => Date;
}

/**
 * Where a running restore is (docs/cli.md#progress): its step, and the bytes of that step done against those
 * expected when the step can count them: the backup's files read by the tool that loads or extracts them, the
 * WAL replayed by recovery since the backup's start.
 */
export interface RestoreProgress {
  /** "creating roles", "loading dump.custom", "extracting base.tar.gz, pg_wal.tar", "recovery to 0/5000028". */
  step: string;
  /** Null: a step with no count (the elapsed time is all there is to show). */
  bytes: number | null;
  total: number | null;
  /** Where the step is besides the bytes: the WAL position recovery has reached. */
  at?: string;
}

export type RestoreProgressListener = (progress: RestoreProgress) => void;

export interface DirectoryRestoreOutcome {
  plan: DirectoryRestorePlan;
  /** null for a dry run or a cancelled restore. */
  record: RestoreRecord | null;
  recordedIn: 'catalog' | 'spool' | null;
  /** null unless it ran. */
  result: DirectoryRestoreResult | null;
}

export class RestoreRefusedError extends PgbackopsError {
  /** Its stable code (docs/errors.md): E_RESTORE_REFUSED, or what refused it more precisely (E_AGE_...). */
  constructor(message: string, readonly code = 'E_RESTORE_REFUSED') {
    super(message);
  }
}
