// Rules that look at one document at a time, once it has passed its schema: what JSON Schema cannot say
// well (cron syntax, durations, paths, hosts, combinations of fields) or should explain better.
import { checkCronExpression } from '../cron/expression.js';
import { encryptionFindings } from '../encryption/encryption-config.js';
import { BACKUP_METHODS, methodOf, type BackupMethodName, type SchedulerType } from '../model.js';
import { methodRulesOf } from '../methods/registry.js';
import { pushDatabaseName } from './database-names.js';
import { durationProblem } from '../time/duration.js';
import { displayPath, finding, quote, type DocPath, type Finding } from './findings.js';
import { hostProblem } from './hosts.js';
import type { BackupInput, BackupServerInput, CheckedDocument, DumpInput, NodeInput, NotifierInput, ObjectStoreInput, RestoreInput, RetentionInput, SnapshotInput } from './input.js';
import { pathProblem } from './paths.js';
import { timeZoneProblem } from './timezones.js';
import { instantProblem } from '../time/instant.js';
import { directoryRestoreFieldProblems } from '../restore/physical-restore-fields.js';
import type { OffsiteTarget } from '../model.js';

export function documentFindings(d: CheckedDocument): Finding[] {
  switch (d.kind) {
    case 'Retention':
      return retentionFindings(d.spec as RetentionInput, ['spec']);
    case 'Notifier':
      return notifierFindings(d.spec as NotifierInput);
    case 'ObjectStore':
      return objectStoreFindings(d.spec as ObjectStoreInput);
    case 'BackupServer':
      return serverFindings(d.spec as BackupServerInput);
    case 'Node':
      return nodeFindings(d.spec as NodeInput);
    case 'Backup':
      return backupFindings(d.spec as BackupInput);
    case 'Snapshot':
      return snapshotFindings(d.spec as SnapshotInput);
    case 'Restore':
      return restoreFindings(d.spec as RestoreInput);
  }
}

const KEEP_RULES = ['keepWithin', 'keepLast', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly'] as const;

/** `base` is where the rules sit: /spec of a Retention, or /spec/retention of a Backup. */
export function retentionFindings(rules: RetentionInput, base: DocPath): Finding[] {
  const out: Finding[] = [];
  for (const field of ['keepWithin', 'keepFailedFor'] as const) {
    const value = rules[field];
    const problem = value === undefined ? null : durationProblem(value);
    if (problem) out.push(finding('E_RETENTION_INVALID', [...base, field], `${field}: ${problem}`));
  }
  const keeps = KEEP_RULES.some((rule) => {
    const value = rules[rule];
    return typeof value === 'string' || (typeof value === 'number' && value > 0);
  });
  if (!keeps) {
    out.push(
      finding(
        'E_RETENTION_EMPTY',
        base,
        `this retention keeps nothing: give at least one of ${KEEP_RULES.join(', ')} (counts above 0)` +
          (rules.keepFailedFor !== undefined ? '; keepFailedFor only applies to failed runs' : ''),
        'key',
      ),
    );
  }
  return out;
}

function serverFindings(spec: BackupServerInput): Finding[] {
  const out: Finding[] = [];
  const host = hostProblem(spec.host, { allowSocketDirectory: false });
  if (host) out.push(finding('E_HOST_INVALID', ['spec', 'host'], `host ${quote(spec.host)}: ${host}`));
  const root = pathProblem(spec.backupRoot, { allowRelative: true });
  if (root) out.push(finding('E_PATH_INVALID', ['spec', 'backupRoot'], `backupRoot ${quote(spec.backupRoot)}: ${root}`));
  if (spec.timezone !== undefined) pushTimeZone(out, spec.timezone, ['spec', 'timezone']);
  pushDuration(out, spec.rpo, 'rpo');
  out.push(...offsiteFindings(spec.offsite));
  out.push(...schedulerFindings(spec.scheduler ?? {}));
  if (spec.maintenance?.schedule !== undefined) {
    const cron = checkCronExpression(spec.maintenance.schedule);
    if (!cron.ok) out.push(finding('E_CRON_INVALID', ['spec', 'maintenance', 'schedule'], `maintenance.schedule ${quote(spec.maintenance.schedule)}: ${cron.message}`));
  }
  out.push(...encryptionFindings(spec.encryption, ['spec', 'encryption']));
  for (const [version, dir] of Object.entries(spec.pgBinDirs ?? {})) {
    const problem = pathProblem(dir, { allowRelative: false });
    if (problem) out.push(finding('E_PATH_INVALID', ['spec', 'pgBinDirs', version], `pgBinDirs.${version} ${quote(dir)}: ${problem}`));
  }
  return out;
}

/** cron.d file names: cron (run-parts naming) silently skips files whose name has a dot or other characters. */
const CRON_D_BASENAME = /^[A-Za-z0-9_-]+$/;

function schedulerFindings(scheduler: { type?: SchedulerType; file?: string; user?: string }): Finding[] {
  const out: Finding[] = [];
  const type = scheduler.type ?? 'cron.d';
  const at = (field: string): DocPath => ['spec', 'scheduler', field];
  if (scheduler.file !== undefined && type !== 'cron.d') {
    out.push(finding('E_SCHEDULER_OPTION', at('file'), `scheduler.file is only used by the cron.d scheduler, not by ${type}: remove it`, 'key'));
  }
  if (scheduler.user !== undefined && type === 'builtin') {
    out.push(finding('E_SCHEDULER_OPTION', at('user'), 'scheduler.user is not used by the builtin scheduler (jobs run as the daemon\'s user): remove it', 'key'));
  }
  if (scheduler.file !== undefined && type === 'cron.d') {
    const problem = schedulerFileProblem(scheduler.file);
    if (problem) out.push(finding('E_SCHEDULER_FILE', at('file'), `scheduler.file ${quote(scheduler.file)}: ${problem}`));
  }
  return out;
}

function schedulerFileProblem(file: string): string | null {
  const path = pathProblem(file, { allowRelative: true });
  if (path) return path;
  if (file.endsWith('/')) return 'it names a directory: give the path of the file pgbackops owns, e.g. /etc/cron.d/pgbackops';
  const base = file.slice(file.lastIndexOf('/') + 1);
  if (base === '.' || !CRON_D_BASENAME.test(base)) {
    return `cron ignores files in cron.d whose name contains anything but letters, digits, "_" and "-" (such as a dot): ${JSON.stringify(base)} would never be read; e.g. /etc/cron.d/pgbackops`;
  }
  return null;
}

const NODE_FILES = ['passfile', 'sslcert', 'sslkey', 'sslrootcert'] as const;

function nodeFindings(spec: NodeInput): Finding[] {
  const out: Finding[] = [];
  if (spec.host === undefined) {
    if (spec.service === undefined) out.push(finding('E_SCHEMA_REQUIRED', ['spec'], 'host is required unless service names a libpq connection service that gives it'));
  } else {
    const host = hostProblem(spec.host, { allowSocketDirectory: true });
    if (host) out.push(finding('E_HOST_INVALID', ['spec', 'host'], `host ${quote(spec.host)}: ${host}`));
  }
  pushDuration(out, spec.rpo, 'rpo');
  for (const field of NODE_FILES) {
    const value = spec[field];
    const problem = value === undefined ? null : pathProblem(value, { allowRelative: false });
    if (problem) out.push(finding('E_PATH_INVALID', ['spec', field], `${field} ${quote(value)}: ${problem}`));
  }
  if (spec.maintenanceDatabase !== undefined) pushDatabaseName(out, spec.maintenanceDatabase, ['spec', 'maintenanceDatabase']);
  for (const field of ['pgPath', 'pgSocketPath'] as const) {
    const value = spec.pgbackrest?.[field];
    const problem = value === undefined ? null : pathProblem(value, { allowRelative: false });
    if (problem) out.push(finding('E_PATH_INVALID', ['spec', 'pgbackrest', field], `pgbackrest.${field} ${quote(value)}: ${problem}`));
  }
  return out;
}

function backupFindings(spec: BackupInput): Finding[] {
  const out: Finding[] = [];
  const cron = checkCronExpression(spec.schedule);
  if (!cron.ok) out.push(finding('E_CRON_INVALID', ['spec', 'schedule'], `schedule ${quote(spec.schedule)}: ${cron.message}`));
  if (spec.timezone !== undefined) pushTimeZone(out, spec.timezone, ['spec', 'timezone']);
  pushDuration(out, spec.rpo, 'rpo');
  out.push(...dumpFindings(spec));
  if (typeof spec.retention === 'object') out.push(...retentionFindings(spec.retention, ['spec', 'retention']));
  return out;
}

function snapshotFindings(spec: SnapshotInput): Finding[] {
  const out = [...dumpFindings(spec), ...timingFindings(spec)];
  pushDuration(out, spec.keepFor, 'keepFor');
  return out;
}

function restoreFindings(spec: RestoreInput): Finding[] {
  const out = timingFindings(spec);
  const { backup, latestOf, database } = spec.from;
  if ((backup === undefined) === (latestOf === undefined)) {
    out.push(finding('E_RESTORE_SOURCE', ['spec', 'from'],
      backup === undefined
        ? 'from names no backup: give backup (a backup id) or latestOf (a Backup or Snapshot name)'
        : 'from gives both backup and latestOf: give one of them', backup === undefined ? 'key' : 'value'));
  }
  if (backup !== undefined && database !== undefined) {
    out.push(finding('E_RESTORE_SOURCE', ['spec', 'from', 'database'], 'from.database chooses among the backups of latestOf; a backup id names one backup already: remove it', 'key'));
  }
  if (database !== undefined) pushDatabaseName(out, database, ['spec', 'from', 'database']);
  if (spec.database !== undefined) pushDatabaseName(out, spec.database, ['spec', 'database']);
  out.push(...restoreDestinationFindings(spec));
  return out;
}

/** The physical restore options, which only a restore into a directory (toDir) takes. */
const PHYSICAL_RESTORE_FIELDS = ['targetTime', 'targetLsn', 'targetName', 'latest', 'targetTimeline', 'tablespaceMap', 'tablespaceMapAll', 'start', 'port'] as const;
const LOGICAL_RESTORE_FIELDS = ['database', 'renameExisting', 'roles', 'jobs'] as const;
const RECOVERY_TARGETS = ['targetTime', 'targetLsn', 'targetName', 'latest'] as const;

/** Where a Restore goes: into a node (logical) or a directory (physical), each with its own options. */
function restoreDestinationFindings(spec: RestoreInput): Finding[] {
  const out: Finding[] = [];
  if ((spec.toNode === undefined) === (spec.toDir === undefined)) {
    out.push(spec.toNode === undefined
      ? finding('E_RESTORE_DESTINATION', ['spec'], 'say where to restore: toNode (a logical backup, into a node) or toDir (a physical backup, into a directory on its backup server)', 'key')
      : finding('E_RESTORE_DESTINATION', ['spec', 'toDir'], 'toNode and toDir exclude each other: a logical backup restores into a node, a physical one into a directory', 'key'));
    return out;
  }
  if (spec.toNode !== undefined) {
    for (const field of PHYSICAL_RESTORE_FIELDS) {
      if (spec[field] !== undefined) out.push(finding('E_RESTORE_DESTINATION', ['spec', field], `${field} is for a physical restore into a directory (toDir); a restore into a node (toNode) loads the backup as it was taken`, 'key'));
    }
    return out;
  }
  for (const field of LOGICAL_RESTORE_FIELDS) {
    if (spec[field] !== undefined) out.push(finding('E_RESTORE_DESTINATION', ['spec', field], `${field} is for a logical restore into a node (toNode); a restore into a directory (toDir) restores the whole cluster`, 'key'));
  }
  const targets = RECOVERY_TARGETS.filter((t) => spec[t] !== undefined);
  for (const extra of targets.slice(1)) {
    out.push(finding('E_RESTORE_RECOVERY_TARGET', ['spec', extra], `${targets.join(', ')} exclude each other: recovery stops at one target (none: the backup's end)`, 'key'));
  }
  if (spec.targetTime !== undefined) {
    const problem = instantProblem(spec.targetTime);
    if (problem) out.push(finding('E_RESTORE_RECOVERY_TARGET', ['spec', 'targetTime'], `targetTime: ${problem}`));
  }
  // What `restore --to-dir` checks of --target-timeline and --tablespace-map, with the fields' names.
  const { targetTimeline, ...rest } = spec;
  const fields = { ...rest, toDir: spec.toDir!, ...(targetTimeline !== undefined ? { targetTimeline: String(targetTimeline) } : {}) };
  for (const p of directoryRestoreFieldProblems(fields, (field) => field)) {
    out.push(p.field === 'targetTimeline'
      ? finding('E_RESTORE_RECOVERY_TARGET', ['spec', 'targetTimeline'], p.message)
      : p.field === 'tablespaceMapAll' ? finding('E_RESTORE_TABLESPACE_MAP', ['spec', 'tablespaceMapAll'], p.message)
        : finding('E_RESTORE_TABLESPACE_MAP', ['spec', 'tablespaceMap', p.key!], p.message, p.on));
  }
  if (spec.start === true && spec.port === undefined) out.push(finding('E_RESTORE_START', ['spec', 'start'], 'start needs port: the port to start the restored cluster on', 'key'));
  if (spec.port !== undefined && spec.start !== true) out.push(finding('E_RESTORE_START', ['spec', 'port'], 'port is the port the restored cluster is started on: give start: true too', 'key'));
  return out;
}

/** `at` and `startingDeadline` of a one-off job. */
function timingFindings(spec: { at?: string; startingDeadline?: string }): Finding[] {
  const out: Finding[] = [];
  if (spec.at !== undefined) {
    const problem = instantProblem(spec.at);
    if (problem) out.push(finding('E_TIME_INVALID', ['spec', 'at'], `at: ${problem}`));
  }
  if (spec.startingDeadline !== undefined) {
    pushDuration(out, spec.startingDeadline, 'startingDeadline');
    if (spec.at === undefined) {
      out.push(finding('W_DEADLINE_WITHOUT_AT', ['spec', 'startingDeadline'], 'startingDeadline counts from at, which is not given: it counts from when the object was first applied', 'key'));
    }
  }
  return out;
}

/**
 * The fields of the other methods that `method` does not have, each with the first method (in
 * BACKUP_METHODS' order) that owns it: reported once even if several own it. Worked out once per method,
 * not per document.
 */
const foreignFields = new Map<BackupMethodName, ReadonlyArray<{ field: string; other: BackupMethodName }>>();
function foreignFieldsOf(method: BackupMethodName): ReadonlyArray<{ field: string; other: BackupMethodName }> {
  let list = foreignFields.get(method);
  if (!list) {
    const seen = new Set<string>(methodRulesOf(method).fields);
    const found: Array<{ field: string; other: BackupMethodName }> = [];
    for (const other of BACKUP_METHODS) {
      if (other === method) continue;
      for (const field of methodRulesOf(other).fields) {
        if (seen.has(field)) continue;
        seen.add(field);
        found.push({ field, other });
      }
    }
    foreignFields.set(method, (list = found));
  }
  return list;
}

/** What every Backup and Snapshot has, then what its method checks of its own fields. */
function dumpFindings(spec: DumpInput): Finding[] {
  const out: Finding[] = [];
  pushDuration(out, spec.timeout, 'timeout');
  const method = methodOf(spec);
  // A field of another method would be silently ignored: say whose it is instead.
  for (const { field, other } of foreignFieldsOf(method)) {
    if ((spec as Record<string, unknown>)[field] === undefined) continue;
    out.push(finding('E_FIELD_NOT_FOR_METHOD', ['spec', field], `${field} is a field of the ${other} method, and this ${method === 'basebackup' ? 'basebackup backs up the whole cluster with pg_basebackup' : `${method} backup does not use it`}: remove it, or set method: ${other}`, 'key'));
  }
  out.push(...encryptionFindings(spec.encryption, ['spec', 'encryption']));
  out.push(...offsiteFindings(spec.offsite));
  out.push(...methodRulesOf(method).specFindings(spec));
  return out;
}

const CHANNELS = ['webhook', 'email', 'exec'] as const;

function notifierFindings(spec: NotifierInput): Finding[] {
  const out: Finding[] = [];
  const given = CHANNELS.filter((c) => spec[c] !== undefined);
  if (given.length !== 1) {
    const which = given.length === 0 ? 'none is given' : `${given.join(' and ')} are given`;
    out.push(finding('E_NOTIFIER_CHANNEL', given.length === 0 ? ['spec'] : ['spec', given[1]!],
      `a Notifier has exactly one channel (webhook, email or exec); ${which}: write one Notifier per channel`, 'key'));
  }
  if (spec.remindEvery !== undefined && spec.remindEvery !== 'off') pushDuration(out, spec.remindEvery, 'remindEvery');
  const files: Array<[DocPath, string | undefined]> = [];
  if (spec.webhook) {
    const { url, urlFile } = spec.webhook;
    if ((url === undefined) === (urlFile === undefined)) {
      out.push(finding('E_NOTIFIER_CHANNEL', ['spec', 'webhook'], `webhook needs exactly one of url and urlFile; ${url === undefined ? 'neither' : 'both'} given`, 'key'));
    }
    files.push([['spec', 'webhook', 'urlFile'], urlFile], [['spec', 'webhook', 'secretFile'], spec.webhook.secretFile]);
  }
  if (spec.email) {
    const { usernameFile, passwordFile } = spec.email;
    if ((usernameFile === undefined) !== (passwordFile === undefined)) {
      out.push(finding('E_NOTIFIER_CHANNEL', ['spec', 'email', usernameFile === undefined ? 'passwordFile' : 'usernameFile'],
        'email credentials are usernameFile and passwordFile together, or neither (no authentication)', 'key'));
    }
    files.push([['spec', 'email', 'usernameFile'], usernameFile], [['spec', 'email', 'passwordFile'], passwordFile]);
  }
  // The program is run without a shell and without a PATH search: which file runs must not depend on the environment.
  if (spec.exec) files.push([['spec', 'exec', 'argv', 0], spec.exec.argv[0]]);
  for (const [at, value] of files) {
    const problem = value === undefined ? null : pathProblem(value, { allowRelative: false });
    if (problem) out.push(finding('E_PATH_INVALID', at, `${displayPath(at.slice(1))} ${quote(value)}: ${problem}`));
  }
  return out;
}

function objectStoreFindings(spec: ObjectStoreInput): Finding[] {
  const out: Finding[] = [];
  if (spec.credentialsFile !== undefined) {
    const problem = pathProblem(spec.credentialsFile, { allowRelative: false });
    if (problem) out.push(finding('E_PATH_INVALID', ['spec', 'credentialsFile'], `credentialsFile ${quote(spec.credentialsFile)}: ${problem}`));
  }
  // The prefix becomes the start of every key: a "." or ".." segment would be read as a directory by tools
  // that map keys to files (and by people), so the layout would not mirror the backup root.
  if (spec.prefix !== undefined && spec.prefix.split('/').some((segment) => segment === '.' || segment === '..')) {
    out.push(finding('E_STORE_INVALID', ['spec', 'prefix'], `prefix ${quote(spec.prefix)}: it contains a "." or ".." segment`));
  }
  const sse = spec.serverSideEncryption;
  if (sse?.kmsKeyId !== undefined && sse.algorithm !== 'aws:kms') {
    out.push(finding('E_STORE_INVALID', ['spec', 'serverSideEncryption', 'kmsKeyId'], `kmsKeyId is for algorithm aws:kms, not ${sse.algorithm}`, 'key'));
  }
  return out;
}

/** A store named twice in one list would copy the same backup twice under two retentions: say which to keep. */
function offsiteFindings(offsite: readonly OffsiteTarget[] | undefined): Finding[] {
  const out: Finding[] = [];
  const seen = new Map<string, number>();
  (offsite ?? []).forEach((target, i) => {
    const first = seen.get(target.store);
    if (first !== undefined) {
      out.push(finding('E_OFFSITE_DUPLICATE', ['spec', 'offsite', i, 'store'], `store ${quote(target.store)} is already listed at offsite[${first}]: one entry (and one retention) per store`));
    } else {
      seen.set(target.store, i);
    }
  });
  return out;
}

function pushDuration(out: Finding[], value: string | undefined, field: string): void {
  const problem = value === undefined ? null : durationProblem(value);
  if (problem) out.push(finding('E_DURATION_INVALID', ['spec', field], `${field}: ${problem}`));
}

function pushTimeZone(out: Finding[], name: string, path: DocPath): void {
  const problem = timeZoneProblem(name);
  if (problem) out.push(finding('E_TIMEZONE_INVALID', path, `timezone ${problem}`));
}
