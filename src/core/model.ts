// The desired-state model: what the YAML says, after validation and normalisation.
// Pure data, shared by the config loader, the planner, the catalog adapter and the schedule targets.

export const API_VERSION = 'pgbackops/v1';

/** Kinds in dependency order: a kind may only reference kinds listed before it. */
export const KINDS = ['Retention', 'Notifier', 'ObjectStore', 'BackupServer', 'Node', 'Backup', 'Snapshot', 'Restore'] as const;
export type Kind = (typeof KINDS)[number];

/** Where something was written in the configuration; 1-based line and column. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export type SchedulerType = 'cron.d' | 'crontab' | 'builtin';

export interface SchedulerSpec {
  type: SchedulerType;
  /** cron.d: the file to own (default /etc/cron.d/pgbackops). */
  file?: string;
  /** cron.d: the user the job runs as; crontab: whose crontab holds the block. */
  user?: string;
}

/** When a backup server runs `pgbackops maintain` (a managed line of its schedule). */
export interface MaintenanceSpec {
  enabled: boolean;
  /** The cron expression as written; an H is resolved from the server name when the line is built. */
  schedule: string;
}

/**
 * Encryption at rest of a backup's files (docs/encryption.md): each file is encrypted as it is written, in the
 * age format, to every recipient (public keys only; the identities that decrypt never need to be on the
 * backup server).
 */
export interface EncryptionSpec {
  age: { recipients: string[] };
}

export interface BackupServerSpec {
  /** How a process recognises that it runs on this server (compared with os.hostname()). */
  host: string;
  backupRoot: string;
  scheduler: SchedulerSpec;
  /** Default timezone of this server's definitions (IANA name); default UTC. */
  timezone: string;
  /**
   * Its maintain line. Always set by normalisation; absent only in specs a version before it wrote into the
   * catalog, which scheduled no maintain line (and still do not, until the configuration is applied again).
   */
  maintenance?: MaintenanceSpec;
  /** pg_dump major version this server runs, used to check compression support. */
  pgDumpVersion?: number;
  /** Directories holding PostgreSQL client binaries, by major version ("15": "/usr/lib/postgresql/15/bin"). */
  pgBinDirs?: Record<string, string>;
  /** Default rpo of the definitions of this server's nodes. */
  rpo?: string;
  /** Notifiers of its nodes' definitions, unless a node or definition names its own. */
  notifiers?: string[];
  /** Default encryption of the Backups and Snapshots of this server's nodes. */
  encryption?: EncryptionSpec;
  /** Default off-site copies of the Backups and Snapshots of its nodes (docs/offsite.md). */
  offsite?: OffsiteTarget[];
  remarks?: string;
}

/** One place a backup is copied to: an ObjectStore, and the Retention that decides what it keeps there. */
export interface OffsiteTarget {
  store: string;
  retention: string;
}

export type StorageClass = 'STANDARD' | 'REDUCED_REDUNDANCY' | 'STANDARD_IA' | 'ONEZONE_IA' | 'INTELLIGENT_TIERING' | 'GLACIER_IR' | 'GLACIER' | 'DEEP_ARCHIVE';

/** An S3-compatible object store that off-site copies go to. Credentials are never part of it. */
export interface ObjectStoreSpec {
  /** Absent: AWS S3 of the region. */
  endpoint?: string;
  region: string;
  bucket: string;
  /** Empty, or segments each ending with '/'. */
  prefix: string;
  forcePathStyle: boolean;
  storageClass?: StorageClass;
  serverSideEncryption?: { algorithm: 'AES256' | 'aws:kms'; kmsKeyId?: string };
  /** An AWS shared-credentials file read at run time; absent: the AWS SDK's default chain. */
  credentialsFile?: string;
  partSizeMiB: number;
  parallelParts: number;
  remarks?: string;
}

export type NodeStatus = 'running' | 'stopped';

export interface NodeSpec {
  /** Absent only when `service` gives the host. */
  host?: string;
  port: number;
  user: string;
  /** Database to connect to for cluster-wide work (listing databases, roles). */
  maintenanceDatabase: string;
  /** libpq mechanisms only: never a password. */
  passfile?: string;
  service?: string;
  sslmode?: 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
  sslcert?: string;
  sslkey?: string;
  sslrootcert?: string;
  status: NodeStatus;
  backupServer: string;
  /** Default rpo of this node's definitions. */
  rpo?: string;
  /** The node's continuous WAL archive (docs/operations.md, "The WAL archive"). */
  walArchive?: WalArchiveSpec;
  /** Notifiers of its definitions (replacing the server's), unless a definition names its own. */
  notifiers?: string[];
  /** The node's pgBackRest stanza, for Backups with `method: pgbackrest` (docs/pgbackrest.md). */
  pgbackrest?: NodePgbackrestSpec;
  remarks?: string;
}

export type WalArchiveCompression = 'none' | 'gzip' | 'lz4';

export interface WalArchiveSpec {
  enabled: boolean;
  /** Physical replication slot on the node (PostgreSQL's slot name rules). */
  slot: string;
  compression: WalArchiveCompression;
  /** Alert threshold for the WAL the slot keeps on the node, in bytes. */
  maxSlotRetainedBytes?: number;
  /** The BackupServer that receives the WAL, when it is not the node's backupServer. */
  server?: string;
}

/** The backup server whose daemon receives a node's WAL: `walArchive.server`, else the node's backupServer. */
export function walArchiveServerOf(node: Pick<NodeSpec, 'backupServer' | 'walArchive'>): string {
  return node.walArchive?.server ?? node.backupServer;
}

/**
 * A node's pgBackRest stanza as the backup server's pgBackRest configuration file declares it: pgBackRest
 * reaches the node's data directory and server (through its socket) on this machine, or through its TLS
 * server or SSH on another (docs/pgbackrest.md, "Several hosts").
 */
export interface NodePgbackrestSpec {
  /** The stanza's name (default: the node's name). */
  stanza: string;
  /** The node's data directory (pg1-path). */
  pgPath: string;
  /** pg1-port (default: the node's port). */
  pgPort: number;
  /** pg1-socket-path: the directory of the server's Unix socket (default: pgBackRest's, /var/run/postgresql). */
  pgSocketPath?: string;
  /** pg1-user: the database user pgBackRest connects as (default: pgBackRest's, postgres). */
  pgUser?: string;
  /** pg1-host: the node's host when it is not the backup server (reached by SSH, or TLS with pg1-host-type=tls). */
  pgHost?: string;
  /** pg1-host-user: the OS user on pg1-host (default postgres). */
  pgHostUser?: string;
}

export interface RetentionSpec {
  /** Duration such as "7d", "36h", "2w". */
  keepWithin?: string;
  keepLast?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
  keepYearly?: number;
  /** How long logs of failed runs are kept. */
  keepFailedFor?: string;
  /**
   * Not written in a Retention: what a Snapshot's runs record (its keepFor). Each backup expires this long
   * after it was taken, the newest one included; a snapshot has no newer backup to fall back on by design.
   */
  expireAfter?: string;
}

export type BackupType = 'full' | 'schema' | 'data' | 'cluster';
export type DumpFormat = 'custom' | 'directory' | 'plain';
export type CompressionMethod = 'gzip' | 'lz4' | 'zstd' | 'none';

/**
 * How a backup is taken, checked, restored and expired: each method is one implementation of the method seam
 * (docs/architecture.md, "The method seam"). `logical` is pg_dump / pg_dumpall; `basebackup` is pg_basebackup of
 * the whole cluster, recovered to a point in time with the node's WAL archive; `pgbackrest` drives pgBackRest
 * (docs/pgbackrest.md).
 */
export const BACKUP_METHODS = ['logical', 'basebackup', 'pgbackrest'] as const;
export type BackupMethodName = (typeof BACKUP_METHODS)[number];
/** The method of a Backup or Snapshot that does not name one. */
export const DEFAULT_BACKUP_METHOD: BackupMethodName = 'logical';

/** The logical method's fields: which databases pg_dump (or the cluster pg_dumpall) dumps, and how. */
export interface LogicalOptions {
  /** Explicit list, or 'all' (expanded when the job runs, minus `exclude` and templates). */
  databases: string[] | 'all';
  exclude: string[];
  type: BackupType;
  format: DumpFormat;
  jobs: number;
  compression: { method: CompressionMethod; level?: number };
  includeSchemas: string[];
  excludeSchemas: string[];
  includeTables: string[];
  excludeTables: string[];
  extraArgs: string[];
}

/** When pg_basebackup's checkpoint happens: at once (`fast`, more I/O now) or spread like a normal one. */
export type CheckpointMode = 'fast' | 'spread';

/** The basebackup method's fields: how pg_basebackup copies the cluster (tar format, WAL streamed). */
export interface BasebackupOptions {
  compression: { method: CompressionMethod; level?: number };
  checkpoint: CheckpointMode;
  /** pg_basebackup --max-rate as written ("100M", "512k"); absent: unlimited. */
  maxRate?: string;
  /** pg_basebackup --manifest-checksums as written; absent: DEFAULT_MANIFEST_CHECKSUMS (options.ts). */
  manifestChecksums?: ManifestChecksums;
}

/** The checksum backup_manifest gives every file of the cluster (pg_basebackup --manifest-checksums). */
export type ManifestChecksums = 'crc32c' | 'sha256' | 'none';

/** What a Backup and a Snapshot have whatever their method. */
interface MethodSpecBase {
  node: string;
  /** Duration such as "2h"; the run is killed past it. */
  timeout?: string;
  /**
   * The longest time a database may go without a restorable backup (a duration); plan and validate warn
   * when the schedules allow longer (docs/monitoring.md, "RPO").
   */
  rpo?: string;
  /**
   * The encryption its backups are written with: its own, else its server's default (resolved when the
   * configuration is normalised, so a change of the server's recipients updates the definitions it reaches).
   * Absent: not encrypted.
   */
  encryption?: EncryptionSpec;
  /** Its own off-site copies, replacing its server's (docs/offsite.md); [] copies nothing. */
  offsite?: OffsiteTarget[];
  remarks?: string;
}

/** The alerts a Notifier can subscribe to (each brings its reminders and recovery notice). */
export const NOTIFIER_EVENTS = [
  'run-failed', 'definition-late', 'verify-failed', 'restore-failed', 'restore-finished', 'apply-failed', 'wal-archive-lagging',
] as const;
export type NotifierEvent = (typeof NOTIFIER_EVENTS)[number];

export type WebhookFormat = 'json' | 'slack';

export interface WebhookChannel {
  url?: string;
  urlFile?: string;
  secretFile?: string;
  format: WebhookFormat;
  timeoutSeconds: number;
}

export interface EmailChannel {
  host: string;
  port: number;
  secure: boolean;
  from: string;
  to: string[];
  usernameFile?: string;
  passwordFile?: string;
  timeoutSeconds: number;
}

export interface ExecChannel {
  argv: string[];
  timeoutSeconds: number;
}

/** Where alerts go: exactly one channel. Secrets only as file paths. */
export interface NotifierSpec {
  events: NotifierEvent[];
  /** A duration, or 'off'. */
  remindEvery: string;
  webhook?: WebhookChannel;
  email?: EmailChannel;
  exec?: ExecChannel;
  remarks?: string;
}

/**
 * A logical backup's spec. `method` is absent: the default method is not written in a normalised spec, so
 * the spec (and its hash) of a definition written before methods existed is the same with `method: logical`.
 */
export type LogicalDumpSpec = MethodSpecBase & LogicalOptions & { method?: undefined };

/** A physical backup's spec: the whole cluster with pg_basebackup. */
export type BasebackupDumpSpec = MethodSpecBase & BasebackupOptions & { method: 'basebackup' };

/** pgBackRest's backup types: a diff is taken against the last full, an incr against the last backup of any type. */
export const PGBACKREST_BACKUP_TYPES = ['full', 'diff', 'incr'] as const;
export type PgbackrestBackupType = (typeof PGBACKREST_BACKUP_TYPES)[number];

/** The pgbackrest method's fields: which type of backup pgBackRest takes of the node's stanza. */
export interface PgbackrestOptions {
  backupType: PgbackrestBackupType;
}

/** A pgBackRest backup's spec: the whole cluster, into the backup server's repository. */
export type PgbackrestDumpSpec = MethodSpecBase & PgbackrestOptions & { method: 'pgbackrest' };

/** What a Backup and a Snapshot share: the node, and what their method takes of it (one member per method). */
export type DumpSpec = LogicalDumpSpec | BasebackupDumpSpec | PgbackrestDumpSpec;

/** A scheduled backup definition. */
export type BackupSpec = DumpSpec & {
  /** The cron expression as written (may contain H). */
  schedule: string;
  /** The expression cron will read: H resolved from the definition name. */
  resolvedSchedule: string;
  timezone: string;
  /** Name of a Retention object, or an inline retention spec. */
  retention: string | RetentionSpec;
  enabled: boolean;
  /** Its own notifiers (replacing its node's and server's); see core/notify/notifiers-of.ts. */
  notifiers?: string[];
};

/** Whether a normalised spec is the logical method's (which does not write its `method`). */
export function isLogicalSpec<T extends DumpSpec>(spec: T): spec is Extract<T, LogicalDumpSpec> {
  return spec.method === undefined || (spec.method as string) === 'logical';
}


/** The method of a normalised (or written) spec: the default when it names none. */
export function methodOf(spec: { method?: BackupMethodName | undefined }): BackupMethodName {
  return spec.method ?? DEFAULT_BACKUP_METHOD;
}

/** When a one-off job (Snapshot, Restore) is due, and until when it may still start. */
export interface OneOffTiming {
  /** ISO 8601 instant with offset, as written; absent = due as soon as it is applied. */
  at?: string;
  /** Duration after `at` past which the job is not started any more (status `missed`). */
  startingDeadline?: string;
}

/** A one-off backup (PgBackMan's snapshot): dumped once when due, kept for `keepFor` from when it was taken. */
export type SnapshotSpec = DumpSpec & OneOffTiming & {
  keepFor: string;
};

export type RestoreSource = { backup: string } | { latestOf: string; database?: string };

/**
 * A one-off restore of a named backup, or of the latest backup of a definition: a logical backup into a node
 * (`toNode`, with the logical options), or a physical one into a directory of its backup server (`toDir`, with
 * a recovery target and `start`/`port`). Exactly one of toNode and toDir (document-rules.ts).
 */
export interface RestoreSpec extends OneOffTiming {
  from: RestoreSource;
  toNode?: string;
  /** Target database name (database backups only); default: the backup's database. */
  database?: string;
  /** Defaulted for a logical restore (toNode); absent for a physical one. */
  renameExisting?: boolean;
  roles?: 'create' | 'reuse';
  jobs?: number;
  /** Physical: an absolute directory on the backup server holding the backup. */
  toDir?: string;
  /** Physical: at most one recovery target; none = the backup's end. */
  targetTime?: string;
  targetLsn?: string;
  targetName?: string;
  latest?: true;
  /** Physical: recovery_target_timeline, `latest`, `current` or a number as text (`--target-timeline`). */
  targetTimeline?: string;
  /** Physical: a tablespace's location in the backup -> where to restore it (`--tablespace-map OLD=NEW`). */
  tablespaceMap?: Record<string, string>;
  /** Physical: every other tablespace into `<this>/<OID>` (`--tablespace-map-all DIR`). */
  tablespaceMapAll?: string;
  /** Physical: start the restored cluster on `port` (both or neither). */
  start?: boolean;
  port?: number;
  remarks?: string;
}

/** Kinds that run once when due rather than on a schedule. */
export const ONE_OFF_KINDS = ['Snapshot', 'Restore'] as const;
export type OneOffKind = (typeof ONE_OFF_KINDS)[number];

export interface SpecByKind {
  Retention: RetentionSpec;
  Notifier: NotifierSpec;
  ObjectStore: ObjectStoreSpec;
  BackupServer: BackupServerSpec;
  Node: NodeSpec;
  Backup: BackupSpec;
  Snapshot: SnapshotSpec;
  Restore: RestoreSpec;
}

/** One validated object of the configuration; a union by kind, so that checking `kind` types `spec`. */
export type DesiredObject<K extends Kind = Kind> = K extends Kind ? {
  kind: K;
  name: string;
  spec: SpecByKind[K];
  /** sha256 (hex) of the canonical JSON of `spec`: equal hashes mean nothing to change. */
  hash: string;
  source: SourceLocation;
} : never;

export interface DesiredConfig {
  /** Content hash of the configuration files (or the git commit once the git source is used). */
  revision: string;
  objects: DesiredObject[];
}

/** A problem found in the configuration; codes are stable and documented (docs/errors.md). */
export interface Diagnostic {
  code: string;
  message: string;
  file: string;
  line: number;
  column: number;
  /** JSON pointer inside the document, e.g. /spec/schedule. Empty for file-level problems. */
  path: string;
  severity: 'error' | 'warning';
}

export function objectKey(kind: Kind, name: string): string {
  return `${kind}/${name}`;
}
