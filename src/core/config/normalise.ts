// Specs as written -> the model's normalised specs: every default applied explicitly, so that the spec
// hash changes exactly when the effective configuration does (and not when a default is spelt out).
import { methodRulesOf } from '../methods/registry.js';
import {
  DEFAULT_BACKUP_METHOD,
  methodOf,
  type BackupServerSpec,
  type BackupSpec,
  type DumpSpec,
  type MaintenanceSpec,
  type NodeSpec,
  type ObjectStoreSpec,
  type RestoreSource,
  type RestoreSpec,
  type RetentionSpec,
  type SchedulerSpec,
  type SnapshotSpec,
} from '../model.js';
import { resolveHashedSchedule } from '../cron/expression.js';
import type { BackupInput, BackupServerInput, DumpInput, NodeInput, ObjectStoreInput, RestoreInput, RetentionInput, SnapshotInput } from './input.js';

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
    offsite: input.offsite,
    remarks: input.remarks,
  });
}

export const DEFAULT_MAINTENANCE_SCHEDULE = 'H/15 * * * *';

export function normaliseMaintenance(input: BackupServerInput['maintenance']): MaintenanceSpec {
  return { enabled: input?.enabled ?? true, schedule: input?.schedule ?? DEFAULT_MAINTENANCE_SCHEDULE };
}

export function normaliseNode(input: NodeInput): NodeSpec {
  return compact({
    host: input.host,
    port: input.port ?? 5432,
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
    remarks: input.remarks,
  });
}

/** `name` seeds the H values of the schedule; `serverTimezone` is the default time zone. */
export function normaliseBackup(input: BackupInput, name: string, serverTimezone: string): BackupSpec {
  // Fields in the order plans have always printed them (JSON plans are read by people and diffed by scripts).
  const { node, databases, exclude, type, timeout, offsite, remarks, ...options } = normaliseDump(input);
  return compact({
    node,
    databases,
    exclude,
    type,
    schedule: input.schedule,
    resolvedSchedule: resolveHashedSchedule(input.schedule, name),
    timezone: input.timezone ?? serverTimezone,
    ...options,
    retention: typeof input.retention === 'string' ? input.retention : normaliseRetention(input.retention),
    enabled: input.enabled ?? true,
    timeout,
    rpo: input.rpo,
    offsite,
    remarks,
  });
}

export function normaliseSnapshot(input: SnapshotInput): SnapshotSpec {
  return compact({ ...normaliseDump(input), at: input.at, startingDeadline: input.startingDeadline, keepFor: input.keepFor });
}

export function normaliseRestore(input: RestoreInput): RestoreSpec {
  // The document rules guarantee exactly one of backup / latestOf.
  const from: RestoreSource = input.from.backup !== undefined
    ? { backup: input.from.backup }
    : compact({ latestOf: input.from.latestOf!, database: input.from.database });
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
function normaliseDump(input: DumpInput): DumpSpec {
  const method = methodOf(input);
  return compact({
    node: input.node,
    method: method === DEFAULT_BACKUP_METHOD ? undefined : method,
    ...methodRulesOf(method).normaliseOptions(input),
    timeout: input.timeout,
    offsite: input.offsite,
    remarks: input.remarks,
  });
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
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(spec)) if (value !== undefined) out[key] = value;
  return out as T;
}
