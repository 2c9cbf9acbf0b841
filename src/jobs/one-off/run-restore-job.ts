// Runs a claimed Restore: resolves its backup (a named one, or the newest successful one of `latestOf`),
// then restores exactly as `pgbackops restore --yes` would, with every check and the undo on failure: into a
// node through the backup's method's `restore` (toNode), or into a directory, recovered to a target, through
// its `restoreToDirectory` (toDir), the code of `restore --to-dir`.
import type { Catalog } from '../../adapters/catalog/catalog.js';
import type { ClaimedOneOff } from '../../adapters/catalog/one-off-store.js';
import type { BackupRow } from '../../adapters/catalog/report-queries.js';
import type { RestoreSpec } from '../../core/model.js';
import { restoreResult, type OneOffResult } from '../../core/one-off/outcome.js';
import { directoryRestoreOptionsOf } from '../../core/restore/physical-restore-fields.js';
import { RestoreRefusedError } from '../../methods/method.js';
import { backupMethodOf } from '../../methods/registry.js';
import { configuredIdentityFile } from '../../adapters/age/identity-file.js';
import type { OneOffContext } from './one-off-context.js';

export async function runRestoreJob(catalog: Catalog, ctx: OneOffContext, job: ClaimedOneOff<'Restore'>): Promise<OneOffResult> {
  const spec = job.spec;
  const source = await resolveSource(catalog, spec);
  if (typeof source === 'string') return { state: 'failed', message: source, result: {} };
  const method = backupMethodOf(source.method, `backup ${source.id}`);
  if (spec.toDir !== undefined) return runDirectoryRestore(catalog, ctx, job, spec, source, spec.toDir);
  // An encrypted backup: the identity configured in this process's environment, on this host only.
  const identityFile = configuredIdentityFile(undefined);
  const outcome = await method.restore(catalog, {
    backup: source,
    targetNode: spec.toNode!,
    ...(identityFile !== undefined ? { identityFile } : {}),
    options: {
      ...(spec.database !== undefined ? { targetDatabase: spec.database } : {}),
      renameExisting: spec.renameExisting ?? false,
      roles: spec.roles ?? 'create',
      jobs: spec.jobs ?? 1,
    },
    ...jobRequest(ctx, job),
  });
  // Not a dry run and nobody to ask: there is always a record.
  return restoreResult(outcome.record!);
}

/** toDir: the whole cluster into the directory, recovered to the target; a refusal of the plan fails the job, nothing written. */
async function runDirectoryRestore(catalog: Catalog, ctx: OneOffContext, job: ClaimedOneOff, spec: RestoreSpec, source: BackupRow, toDir: string): Promise<OneOffResult> {
  const method = backupMethodOf(source.method, `backup ${source.id}`);
  if (!method.restoreToDirectory) {
    return { state: 'failed', message: `backup ${source.id} was taken by the ${source.method} method, which restores into a node's databases (toNode), not into a directory`, result: { backup: source.id } };
  }
  try {
    const outcome = await method.restoreToDirectory(catalog, {
      backup: source,
      // The request `restore --to-dir` makes from its flags (physical-restore-fields.ts), checked at validate.
      options: directoryRestoreOptionsOf({ ...spec, toDir }),
      ...jobRequest(ctx, job),
    });
    if (outcome.record === null) {
      return { state: 'failed', message: `refused, nothing was written: ${outcome.plan.refusals.join('; ')}`, result: { backup: source.id } };
    }
    const done = restoreResult({ ...outcome.record, targetDir: outcome.record.targetDir ?? toDir });
    const reached = outcome.result?.reached?.time ? `; recovered to ${outcome.result.reached.time}` : '';
    const running = outcome.result?.started ? `; running on port ${outcome.result.started.port}` : '';
    return done.state === 'succeeded' ? { ...done, message: `${done.message}${reached}${running}` } : done;
  } catch (err) {
    if (err instanceof RestoreRefusedError) return { state: 'failed', message: `refused, nothing was written: ${err.message}`, result: { backup: source.id } };
    throw err;
  }
}

/** The backup to restore, or why there is none. */
async function resolveSource(catalog: Catalog, spec: RestoreSpec): Promise<BackupRow | string> {
  if ('backup' in spec.from) {
    const row = await catalog.reports.findBackup(spec.from.backup);
    if (!row) return `backup ${spec.from.backup} is not in the catalog (expired, or never existed)`;
    if (row.status !== 'succeeded') return `backup ${spec.from.backup} is ${row.status}, not a succeeded backup`;
    return row;
  }
  const { latestOf, database } = spec.from;
  if (database === undefined) {
    // Without a database the newest backup must be unambiguous: a definition of several databases needs one.
    const recent = await catalog.reports.listBackups({ definition: latestOf, status: 'succeeded', limit: 200 });
    const databases = [...new Set(recent.map((r) => r.database ?? '(cluster)'))];
    if (databases.length > 1) {
      return `${latestOf} has backups of several databases (${databases.slice(0, 5).join(', ')}${databases.length > 5 ? ', ...' : ''}); give from.database`;
    }
  }
  const row = await catalog.reports.latestSucceeded(latestOf, database);
  return row ?? `${latestOf} has no succeeded backup${database ? ` of database ${JSON.stringify(database)}` : ''} in the catalog`;
}

/** What both kinds of restore request say of the job: a real restore, run by the Restore object, nobody to ask. */
function jobRequest(ctx: OneOffContext, job: ClaimedOneOff) {
  return { dryRun: false, purpose: 'restore' as const, stateDir: ctx.stateDir, actor: `Restore/${job.name}`, logger: ctx.logger, now: ctx.now };
}
