// Specs as written -> the model's normalised specs: every default applied explicitly, so that the spec
// hash changes exactly when the effective configuration does (and not when a default is spelt out).
import { methodRulesOf } from '../methods/registry.js';
import {
  DEFAULT_BACKUP_METHOD,
  methodOf,
  NOTIFIER_EVENTS,
  type BackupServerSpec,
  type BackupSpec,
  type DumpSpec,
  type LogicalOptions,
  type EncryptionSpec,
  type MaintenanceSpec,
  type NodeSpec,
  type NotifierSpec,
  type ObjectStoreSpec,
  type RestoreSource,
  type RestoreSpec,
  type RetentionSpec,
  type SchedulerSpec,
  type SnapshotSpec,
} from '../model.js';
import { resolveHashedSchedule } from '../cron/expression.js';
import { effectiveEncryption } from '../encryption/encryption-config.js';
import type { BackupInput, BackupServerInput, DumpInput, NodeInput, NotifierInput, ObjectStoreInput, RestoreInput, RetentionInput, SnapshotInput } from './input.js';
import { sizeInBytes } from './size.js';

export const DEFAULT_TIMEZONE = 'UTC';
export const DEFAULT_CRON_D_FILE = '/etc/cron.d/pgbackops';
export const DEFAULT_CRON_D_USER = 'root';


/** Major version of pg_dump assumed when neither the server nor the caller says. */
export const DEFAULT_PG_DUMP_VERSION = 15;

export function normaliseRetention(input: RetentionInput): RetentionSpec {
  // Only the rules that were written: an absent rule and a rule of 0 mean different things to a reader.
  return compact({
    keepWithin: input.keepWithin,
    keepLast: input.keepLast,
    keepDaily: input.keepDaily,
    keepWeekly: input.keepWeekly,
    keepMonthly: input.keepMonthly,
    keepYearly: input.keepYearly,
    keepFailedFor: input.keepFailedFor,
  });
}

export function normaliseScheduler(input: Partial<SchedulerSpec> | undefined): SchedulerSpec {
  const type = input?.type ?? 'cron.d';
  switch (type) {
    case 'cron.d':
      return { type, file: input?.file ?? DEFAULT_CRON_D_FILE, user: input?.user ?? DEFAULT_CRON_D_USER };
    case 'crontab':
      // No user: the crontab of the user pgbackops runs as.
      return compact({ type, user: input?.user });
    case 'builtin':
      return { type };
  }
}

export function normaliseServer(input: BackupServerInput): BackupServerSpec {
  return compact({
    host: input.host,
    backupRoot: input.backupRoot,
    scheduler: normaliseScheduler(input.scheduler),
    timezone: input.timezone ?? DEFAULT_TIMEZONE,
    maintenance: normaliseMaintenance(input.maintenance),
    pgDumpVersion: input.pgDumpVersion,
    pgBinDirs: input.pgBinDirs,
    rpo: input.rpo,
    notifiers: input.notifiers,
    encryption: effectiveEncryption(input.encryption, undefined),
    offsite: input.offsite,
    remarks: input.remarks,
  });
}

export const DEFAULT_MAINTENANCE_SCHEDULE = 'H/15 * * * *';

export function normaliseMaintenance(input: BackupServerInput['maintenance']): MaintenanceSpec {
  return { enabled: input?.enabled ?? true, schedule: input?.schedule ?? DEFAULT_MAINTENANCE_SCHEDULE };
}

/** `name` is the default of its pgBackRest stanza's name. */
export function normaliseNode(input: NodeInput, name: string): NodeSpec {
  const port = input.port ?? 5432;
  return compact({
    host: input.host,
    port,
    user: input.user ?? 'postgres',
    maintenanceDatabase: input.maintenanceDatabase ?? 'postgres',
    passfile: input.passfile,
    service: input.service,
    sslmode: input.sslmode,
    sslcert: input.sslcert,
    sslkey: input.sslkey,
    sslrootcert: input.sslrootcert,
    status: input.status ?? 'running',
    backupServer: input.backupServer,
    rpo: input.rpo,
    walArchive: input.walArchive && compact({
      enabled: input.walArchive.enabled,
      slot: input.walArchive.slot,
      compression: input.walArchive.compression ?? 'none',
      maxSlotRetainedBytes: input.walArchive.maxSlotRetainedBytes === undefined ? undefined : sizeInBytes(input.walArchive.maxSlotRetainedBytes),
      server: input.walArchive.server,
    }),
    notifiers: input.notifiers,
    pgbackrest: input.pgbackrest && compact({
      stanza: input.pgbackrest.stanza ?? name,
      pgPath: input.pgbackrest.pgPath,
      pgPort: input.pgbackrest.pgPort ?? port,
      pgSocketPath: input.pgbackrest.pgSocketPath,
      pgUser: input.pgbackrest.pgUser,
      pgHost: input.pgbackrest.pgHost,
      pgHostUser: input.pgbackrest.pgHostUser,
    }),
    remarks: input.remarks,
  });
}

/**
 * `name` seeds the H values of the schedule; `serverTimezone` is the default time zone, `serverEncryption` the
 * default encryption (docs/encryption.md).
 */
export function normaliseBackup(input: BackupInput, name: string, serverTimezone: string, serverEncryption?: EncryptionSpec): BackupSpec {
  // Fields in the order plans have always printed them (JSON plans are read by people and diffed by scripts).
  // The logical fields come first (absent for another method). Built in place, each undefined field left out,
  // rather than as literals spread into one another and compacted: every definition of a fleet passes here.
  const dump = normaliseDump(input, serverEncryption) as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  put(out, 'node', dump.node);
  put(out, 'databases', dump.databases);
  put(out, 'exclude', dump.exclude);
  put(out, 'type', dump.type);
  put(out, 'schedule', input.schedule);
  put(out, 'resolvedSchedule', resolveHashedSchedule(input.schedule, name));
  put(out, 'timezone', input.timezone ?? serverTimezone);
  // The method and the rest of its options, in the method's order.
  for (const key of Object.keys(dump)) if (!BACKUP_FIELDS_PLACED.has(key)) out[key] = dump[key];
  put(out, 'retention', typeof input.retention === 'string' ? input.retention : normaliseRetention(input.retention));
  put(out, 'enabled', input.enabled ?? true);
  put(out, 'timeout', dump.timeout);
  put(out, 'rpo', input.rpo);
  put(out, 'notifiers', input.notifiers);
  put(out, 'encryption', dump.encryption);
  put(out, 'offsite', dump.offsite);
  put(out, 'remarks', dump.remarks);
  return out as unknown as BackupSpec;
}

/** The fields of a dump spec that normaliseBackup places itself, around the method's options. */
const BACKUP_FIELDS_PLACED: ReadonlySet<string> = new Set(['node', 'databases', 'exclude', 'type', 'timeout', 'encryption', 'offsite', 'remarks']);

/** Sets the field unless the value is undefined (an optional field that was not written is absent). */
function put(out: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) out[key] = value;
}

/** Reminders while an alert stays bad: once a day unless the notifier says otherwise. */
export const DEFAULT_REMIND_EVERY = '24h';

export function normaliseNotifier(input: NotifierInput): NotifierSpec {
  const { webhook, email, exec } = input;
  return compact({
    // Listed in one fixed order, so that the hash does not change when the list is only reordered.
    events: input.events ? NOTIFIER_EVENTS.filter((e) => input.events!.includes(e)) : [...NOTIFIER_EVENTS],
    remindEvery: input.remindEvery ?? DEFAULT_REMIND_EVERY,
    webhook: webhook && compact({
      url: webhook.url, urlFile: webhook.urlFile, secretFile: webhook.secretFile, format: webhook.format ?? 'json', timeoutSeconds: webhook.timeoutSeconds ?? 10,
    }),
    email: email && compact({
      host: email.host,
      port: email.port ?? (email.secure ? 465 : 587),
      secure: email.secure ?? false,
      from: email.from,
      to: email.to,
      usernameFile: email.usernameFile,
      passwordFile: email.passwordFile,
      timeoutSeconds: email.timeoutSeconds ?? 30,
    }),
    exec: exec && { argv: exec.argv, timeoutSeconds: exec.timeoutSeconds ?? 30 },
    remarks: input.remarks,
  });
}

/** `serverEncryption`: its backup server's default encryption. */
export function normaliseSnapshot(input: SnapshotInput, serverEncryption?: EncryptionSpec): SnapshotSpec {
  return compact({ ...normaliseDump(input, serverEncryption), at: input.at, startingDeadline: input.startingDeadline, keepFor: input.keepFor });
}

export function normaliseRestore(input: RestoreInput): RestoreSpec {
  // The document rules guarantee exactly one of backup / latestOf.
  const from: RestoreSource = input.from.backup !== undefined
    ? { backup: input.from.backup }
    : compact({ latestOf: input.from.latestOf!, database: input.from.database });
  if (input.toDir !== undefined) {
    // Physical: the logical options are refused by the document rules, and get no defaults here.
    return compact({
      from,
      toDir: input.toDir,
      targetTime: input.targetTime,
      targetLsn: input.targetLsn?.toUpperCase(),
      targetName: input.targetName,
      latest: input.latest,
      targetTimeline: input.targetTimeline === undefined ? undefined : String(input.targetTimeline),
      tablespaceMap: input.tablespaceMap,
      tablespaceMapAll: input.tablespaceMapAll,
      start: input.start ? true : undefined,
      port: input.port,
      at: input.at,
      startingDeadline: input.startingDeadline,
      remarks: input.remarks,
    });
  }
  return compact({
    from,
    toNode: input.toNode,
    database: input.database,
    renameExisting: input.renameExisting ?? false,
    roles: input.roles ?? 'create',
    jobs: input.jobs ?? 1,
    at: input.at,
    startingDeadline: input.startingDeadline,
    remarks: input.remarks,
  });
}

/**
 * The node, method and method options of a Backup or Snapshot with their defaults. The default method is not
 * written: a spec from before methods existed and the same spec with `method: logical` are one spec, one hash.
 */
function normaliseDump(input: DumpInput, serverEncryption: EncryptionSpec | undefined): DumpSpec {
  const method = methodOf(input);
  // The method's rules give the options of that method: together they make that method's member of DumpSpec.
  const options = methodRulesOf(method).normaliseOptions(input) as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  put(out, 'node', input.node);
  put(out, 'method', method === DEFAULT_BACKUP_METHOD ? undefined : method);
  for (const key of Object.keys(options)) put(out, key, options[key]);
  put(out, 'timeout', input.timeout);
  put(out, 'encryption', effectiveEncryption(input.encryption, serverEncryption));
  put(out, 'offsite', input.offsite);
  put(out, 'remarks', input.remarks);
  return out as unknown as DumpSpec;
}

export const DEFAULT_STORE_REGION = 'us-east-1';
export const DEFAULT_PART_SIZE_MIB = 16;
export const DEFAULT_PARALLEL_PARTS = 4;

export function normaliseObjectStore(input: ObjectStoreInput): ObjectStoreSpec {
  return compact({
    endpoint: input.endpoint,
    region: input.region ?? DEFAULT_STORE_REGION,
    bucket: input.bucket,
    prefix: input.prefix ?? '',
    forcePathStyle: input.forcePathStyle ?? false,
    storageClass: input.storageClass,
    serverSideEncryption: input.serverSideEncryption && compact({ ...input.serverSideEncryption }),
    credentialsFile: input.credentialsFile,
    partSizeMiB: input.partSizeMiB ?? DEFAULT_PART_SIZE_MIB,
    parallelParts: input.parallelParts ?? DEFAULT_PARALLEL_PARTS,
    remarks: input.remarks,
  });
}

/**
 * Without the keys whose value is undefined: optional fields that were not written are absent, not
 * undefined. Copies rather than `delete`s, which would put the object in V8's slow dictionary mode.
 */
function compact<T extends object>(spec: T): T {
  // Keys rather than entries: every spec of a configuration passes here, and each entry was an array.
  const out: Record<string, unknown> = {};
  const record = spec as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (value !== undefined) out[key] = value;
  }
  return out as T;
}
