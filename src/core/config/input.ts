// The shape of each kind's spec as written in YAML, once it has passed its JSON Schema: the model's spec
// with the defaulted fields optional. Normalisation (normalise.ts) turns these into the model's specs.
import type {
  BackupMethodName, BackupServerSpec, BackupSpec, CompressionMethod, Kind, NodeSpec, ObjectStoreSpec, RestoreSpec, RetentionSpec, SchedulerSpec, SnapshotSpec, SourceLocation,
} from '../model.js';
import type { ConfigDocument } from './yaml-documents.js';

type Optional<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

export type RetentionInput = RetentionSpec;

export type ObjectStoreInput = Optional<ObjectStoreSpec, 'region' | 'prefix' | 'forcePathStyle' | 'partSizeMiB' | 'parallelParts'>;

export type BackupServerInput = Optional<Omit<BackupServerSpec, 'maintenance'>, 'timezone' | 'scheduler'> & {
  scheduler?: Partial<SchedulerSpec>;
  maintenance?: { enabled?: boolean; schedule?: string };
};

export type NodeInput = Optional<NodeSpec, 'port' | 'user' | 'maintenanceDatabase' | 'status'>;

export type BackupInput = Optional<
  Omit<BackupSpec, 'resolvedSchedule' | 'compression' | 'databases' | 'method'>,
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
};

/** The method and its options that a Snapshot shares with a Backup, as written. */
export type DumpInput = Pick<
  BackupInput,
  | 'node' | 'method' | 'databases' | 'exclude' | 'type' | 'format' | 'jobs' | 'compression'
  | 'includeSchemas' | 'excludeSchemas' | 'includeTables' | 'excludeTables' | 'extraArgs' | 'timeout' | 'offsite' | 'remarks'
>;

export type SnapshotInput = DumpInput & Pick<SnapshotSpec, 'at' | 'startingDeadline' | 'keepFor'>;

export type RestoreInput = Optional<RestoreSpec, 'renameExisting' | 'roles' | 'jobs'> & {
  /** The schema allows both or neither; the document rules say which one is wanted. */
  from: { backup?: string; latestOf?: string; database?: string };
};

export interface InputByKind {
  Retention: RetentionInput;
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
