// `pgbackops verify` of a base backup: its files against their checksums, then backup_manifest with
// pg_verifybackup (the tars extracted into a scratch directory beside the backup, removed afterwards); with
// --restore, a trial: restored into a temporary directory, started on a free port, recovered to the backup's
// end (or the target given, as `restore --to-dir` takes it), connected to, its databases listed and, where amcheck is installed, every B-tree index checked with
// bt_index_check, then stopped and removed. The trial is recorded as a restore with
// purpose 'trial', whose recovery time is the evidence of how long a real restore takes (the RTO).
import { chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Catalog } from '../../adapters/catalog/catalog.js';
import { freePort } from '../../adapters/os/free-port.js';
import type { BackupRow } from '../../adapters/catalog/report-queries.js';
import { isRoot, lookupOsUser, DEFAULT_INSTANCE_USER } from '../../adapters/os/os-user.js';
import { findTool } from '../../adapters/postgres/tools.js';
import { verifyBackupFiles } from '../../jobs/verify-files.js';
import { RestoreRefusedError, type VerifyOutcome, type VerifyRequest } from '../method.js';
import { stopRestoredCluster } from '../physical/start-restored-cluster.js';
import { describeReached } from '../../core/restore/directory-restore.js';
import { checkTrialCluster, refusalOf, refusedTrial } from '../physical/trial-checks.js';
import { restoreBasebackupToDirectory } from './restore-to-directory.js';
import { verifyWithPgVerifybackup } from './verify-manifest.js';

export async function verifyBasebackup(catalog: Catalog, row: BackupRow, request: VerifyRequest): Promise<VerifyOutcome> {
  const outcome: VerifyOutcome = {
    backupId: row.id, files: { checked: 0, problems: [] },
    archive: { checked: false, entries: null, problem: null, note: null }, trial: null, ok: false,
  };
  if (row.status !== 'succeeded' || !row.directory) {
    outcome.files.problems.push(`backup ${row.id} is ${row.status}: it holds no backup files`);
    return outcome;
  }
  outcome.files = await verifyBackupFiles(row.directory, row.files, row.backupServer, request.onHashProgress ? { onProgress: request.onHashProgress } : {});
  if (outcome.files.problems.length > 0) return outcome;
  const major = row.serverVersion ? Number(row.serverVersion.split('.')[0]) : 0;
  const scratch = join(row.directory, `.verify-${process.pid}`);
  const check = await verifyWithPgVerifybackup(row.directory, scratch, major).catch((err: Error) => ({ ok: false, how: 'pg_verifybackup', problem: err.message }));
  outcome.archive = { checked: true, entries: null, problem: check.ok ? null : `${check.how}: ${check.problem}`, note: check.ok ? `backup_manifest verified by ${check.how}` : null };
  if (!check.ok) return outcome;
  if (request.trialNode !== undefined) {
    outcome.trial = { outcome: null, scratchDatabase: null, durationMs: null, problem: 'a basebackup is tried by restoring it into a directory: give --restore without --to-node' };
  } else if (request.trialRestore) {
    outcome.trial = await trialRestore(catalog, row, request);
  }
  outcome.ok = outcome.trial === null || outcome.trial.problem === null;
  return outcome;
}

async function trialRestore(catalog: Catalog, row: BackupRow, request: VerifyRequest): Promise<NonNullable<VerifyOutcome['trial']>> {
  const parent = await mkdtemp(join(tmpdir(), `pgbackops-verify-${row.id.slice(0, 8)}-`));
  // PostgreSQL refuses to run as root: as root, the trial cluster belongs to the PostgreSQL OS user.
  if (isRoot()) {
    const user = await lookupOsUser(DEFAULT_INSTANCE_USER);
    await chown(parent, user.uid, user.gid);
  }
  const toDir = join(parent, 'data');
  // The backup's tablespaces, if any, go beside it: <temp>/tablespaces/<OID>, removed with it.
  const tablespaces = join(parent, 'tablespaces');
  await mkdir(tablespaces, { mode: 0o700 });
  if (isRoot()) {
    const user = await lookupOsUser(DEFAULT_INSTANCE_USER);
    await chown(tablespaces, user.uid, user.gid);
  }
  const port = await freePort();
  try {
    const restored = await restoreBasebackupToDirectory(catalog, {
      backup: row, options: { toDir, target: { kind: 'end' }, ...request.recovery, tablespacesUnder: tablespaces, start: { port } }, dryRun: false, purpose: 'trial',
      stateDir: request.stateDir, actor: request.actor, logger: request.logger, ...(request.now ? { now: request.now } : {}),
    }).catch(refusalOf);
    // Refused before anything was read (a port taken since freePort picked it), or by its plan.
    if (restored instanceof RestoreRefusedError) return refusedTrial(restored.message);
    const record = restored.record;
    const durationMs = restored.result?.recoveryTimeMs ?? null;
    if (!record) return refusedTrial(restored.plan.refusals.join('; '));
    if (record.status !== 'succeeded') return { outcome: null, scratchDatabase: null, durationMs, problem: record.failureReason ?? 'the trial restore failed', record };
    const checked = await checkTrialCluster(catalog, row, toDir, port);
    await stop(toDir, row);
    return {
      outcome: null, scratchDatabase: null, durationMs, problem: checked.problem, record,
      description: `trial restore into a temporary directory, recovered to ${describeReached(restored.result?.reached ?? null, request.recovery?.target ?? { kind: 'end' })} and promoted, ${checked.summary}; stopped and removed (restore ${record.id})`,
    };
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
}

async function stop(dir: string, row: BackupRow): Promise<void> {
  const pgCtl = await findTool('pg_ctl', row.serverVersion ? Number(row.serverVersion.split('.')[0]) : 0);
  await stopRestoredCluster(pgCtl.path, dir);
}
