// Runs a claimed Restore: resolves its backup (a named one, or the newest successful one of `latestOf`),
// then restores exactly as `pgbackops restore --yes` would, with every check and the undo on failure.
import type { Catalog } from '../../adapters/catalog/catalog.js';
import type { ClaimedOneOff } from '../../adapters/catalog/one-off-store.js';
import type { BackupRow } from '../../adapters/catalog/report-queries.js';
import type { RestoreSpec } from '../../core/model.js';
import { restoreResult, type OneOffResult } from '../../core/one-off/outcome.js';
import { backupMethodOf } from '../../methods/registry.js';
import { configuredIdentityFile } from '../../adapters/age/identity-file.js';
import type { OneOffContext } from './one-off-context.js';

export async function runRestoreJob(catalog: Catalog, ctx: OneOffContext, job: ClaimedOneOff<'Restore'>): Promise<OneOffResult> {
  const spec = job.spec;
  const source = await resolveSource(catalog, spec);
  if (typeof source === 'string') return { state: 'failed', message: source, result: {} };
  // An encrypted backup: the identity configured in this process's environment, on this host only.
  const identityFile = configuredIdentityFile(undefined);
  const outcome = await backupMethodOf(source.method, `backup ${source.id}`).restore(catalog, {
    backup: source,
    targetNode: spec.toNode,
    ...(identityFile !== undefined ? { identityFile } : {}),
    options: {
      ...(spec.database !== undefined ? { targetDatabase: spec.database } : {}),
      renameExisting: spec.renameExisting,
      roles: spec.roles,
      jobs: spec.jobs,
    },
    dryRun: false,
    purpose: 'restore',
    stateDir: ctx.stateDir,
    actor: `Restore/${job.name}`,
    logger: ctx.logger,
    now: ctx.now,
  });
  // Not a dry run and nobody to ask: there is always a record.
  return restoreResult(outcome.record!);
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
