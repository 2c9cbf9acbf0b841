// The shape of each kind's spec as written in YAML, once it has passed its JSON Schema: the model's spec
// with the defaulted fields optional. Normalisation (normalise.ts) turns these into the model's specs.
import type {
  BackupMethodName, BackupServerSpec, CheckpointMode, ManifestChecksums, BackupSpec, CompressionMethod, EmailChannel, ExecChannel, Kind, LogicalDumpSpec, NodePgbackrestSpec, NodeSpec, NotifierSpec,
  ObjectStoreSpec, PgbackrestBackupType, RestoreSpec, RetentionSpec, SchedulerSpec, SnapshotSpec, SourceLocation, WalArchiveSpec, WebhookChannel,
} from '../model.js';
import type { DumpEncryptionInput } from '../encryption/encryption-config.js';
import type { ConfigDocument } from './yaml-documents.js';

type Optional<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

export type RetentionInput = RetentionSpec;

export type NotifierInput = Optional<Omit<NotifierSpec, 'webhook' | 'email' | 'exec'>, 'events' | 'remindEvery'> & {
  webhook?: Optional<WebhookChannel, 'format' | 'timeoutSeconds'>;
  email?: Optional<EmailChannel, 'port' | 'secure' | 'timeoutSeconds'>;
  exec?: Optional<ExecChannel, 'timeoutSeconds'>;
};
export type ObjectStoreInput = Optional<ObjectStoreSpec, 'region' | 'prefix' | 'forcePathStyle' | 'partSizeMiB' | 'parallelParts'>;

export type BackupServerInput = Optional<Omit<BackupServerSpec, 'maintenance'>, 'timezone' | 'scheduler'> & {
  scheduler?: Partial<SchedulerSpec>;
  maintenance?: { enabled?: boolean; schedule?: string };
};

export type NodeInput = Optional<Omit<NodeSpec, 'walArchive' | 'pgbackrest'>, 'port' | 'user' | 'maintenanceDatabase' | 'status'> & {
  walArchive?: Optional<Omit<WalArchiveSpec, 'maxSlotRetainedBytes'>, 'compression'> & { maxSlotRetainedBytes?: number | string };
  pgbackrest?: Optional<NodePgbackrestSpec, 'stanza' | 'pgPort'>;
};

/**
 * A Backup as written: the logical method's fields and every other method's, each optional; the schema says
 * which belong together (one method's fields only).
 */
export type BackupInput = Optional<
  Omit<Extract<BackupSpec, LogicalDumpSpec>, 'resolvedSchedule' | 'compression' | 'databases' | 'method' | 'encryption'>,
  | 'exclude'
  | 'type'
  | 'timezone'
  | 'format'
  | 'jobs'
  | 'includeSchemas'
  | 'excludeSchemas'
  | 'includeTables'
  | 'excludeTables'
  | 'extraArgs'
  | 'enabled'
> & {
  /** One of the methods the schema lists (absent: the default method). */
  method?: BackupMethodName;
  databases?: string[] | 'all';
  compression?: { method: CompressionMethod; level?: number };
  /** The basebackup method's own fields. */
  checkpoint?: CheckpointMode;
  maxRate?: string;
  manifestChecksums?: ManifestChecksums;
  /** The pgbackrest method's. */
  backupType?: PgbackrestBackupType;
  /** Its own encryption, `none`, or absent (its server's default). */
  encryption?: DumpEncryptionInput;
};

/** The method and its options that a Snapshot shares with a Backup, as written. */
export type DumpInput = Pick<
  BackupInput,
  | 'node' | 'method' | 'databases' | 'exclude' | 'type' | 'format' | 'jobs' | 'compression'
  | 'includeSchemas' | 'excludeSchemas' | 'includeTables' | 'excludeTables' | 'extraArgs' | 'timeout' | 'encryption' | 'offsite' | 'remarks'
  | 'checkpoint' | 'maxRate' | 'manifestChecksums'
  | 'backupType'
>;

export type SnapshotInput = DumpInput & Pick<SnapshotSpec, 'at' | 'startingDeadline' | 'keepFor'>;

export type RestoreInput = Omit<Optional<RestoreSpec, 'renameExisting' | 'roles' | 'jobs'>, 'targetTimeline'> & {
  /** A number or text in YAML (`targetTimeline: 2`); the spec keeps its text. */
  targetTimeline?: string | number;
  /** The schema allows both or neither; the document rules say which one is wanted. */
  from: { backup?: string; latestOf?: string; database?: string };
};

export interface InputByKind {
  Retention: RetentionInput;
  Notifier: NotifierInput;
  ObjectStore: ObjectStoreInput;
  BackupServer: BackupServerInput;
  Node: NodeInput;
  Backup: BackupInput;
  Snapshot: SnapshotInput;
  Restore: RestoreInput;
}

/** A document that passed its schema: its kind, name, spec as written, and where it came from. */
export interface CheckedDocument<K extends Kind = Kind> {
  kind: K;
  name: string;
  spec: InputByKind[K];
  /** Position of metadata.name. */
  source: SourceLocation;
  doc: ConfigDocument;
}

export function isKind<K extends Kind>(d: CheckedDocument, kind: K): d is CheckedDocument<K> {
  return d.kind === kind;
}
