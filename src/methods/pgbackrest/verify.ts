// `pgbackops verify ID` of a pgBackRest backup: `pgbackrest verify --set=<label>` checks the backup's files
// and the WAL it needs in the repository against their checksums. With --restore, a trial restore to the
// backup's end (or the target given, as `restore --to-dir` takes it) into a temporary directory, started on a
// free port, connected to as the basebackup method's trial copy is (physical/trial-checks.ts), then stopped and
// removed; its outcome says the point recovery reached.
import { chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Catalog } from '../../adapters/catalog/catalog.js';
import { freePort } from '../../adapters/os/free-port.js';
import type { BackupRow } from '../../adapters/catalog/report-queries.js';
import type { PgbackrestRunFacts } from '../../core/methods/pgbackrest/run-facts.js';
import { readDefinitionCache } from '../../runtime/definition-cache.js';
import { RestoreRefusedError, type VerifyOutcome, type VerifyRequest } from '../method.js';
import { pgCtlFor, stopRestoredCluster } from '../physical/start-restored-cluster.js';
import { checkTrialCluster, refusalOf, refusedTrial } from '../physical/trial-checks.js';
import { describeReached } from '../../core/restore/directory-restore.js';
import { pgbackrestFailure, runPgbackrest, succeeded } from './run-pgbackrest.js';
import { pgbackrestInvocation } from './server-files.js';
import { restorePgbackrestToDirectory } from './restore-to-directory.js';

export async function verifyPgbackrestBackup(catalog: Catalog, row: BackupRow, request: VerifyRequest): Promise<VerifyOutcome> {
  const facts = row.methodFacts as unknown as PgbackrestRunFacts | null;
  const outcome: VerifyOutcome = {
    backupId: row.id, files: { checked: 0, problems: [] },
    archive: { checked: false, entries: null, problem: null, note: null }, trial: null, ok: false,
  };
  const cache = await readDefinitionCache(request.stateDir, row.backupServer);
  if (!facts?.label || !cache?.serverSpec) {
    outcome.archive.problem = !facts?.label ? 'the run recorded no pgBackRest label' : `backup server ${row.backupServer} has not been applied here`;
    return outcome;
  }
  const how = await pgbackrestInvocation(request.stateDir, cache.serverSpec);
  const verified = await runPgbackrest('verify', [`--stanza=${facts.stanza}`, `--set=${facts.label}`], how);
  outcome.archive = succeeded(verified)
    ? { checked: true, entries: null, problem: null, note: `pgbackrest verify --set=${facts.label}: the backup's files and WAL match their checksums` }
    : { checked: true, entries: null, problem: pgbackrestFailure(verified).detail, note: null };
  if (request.trialRestore || request.trialNode !== undefined) outcome.trial = await trialRestore(catalog, row, request, cache.serverSpec.pgBinDirs, how.as);
  outcome.ok = outcome.archive.problem === null && (outcome.trial === null || outcome.trial.problem === null);
  return outcome;
}

async function trialRestore(
  catalog: Catalog, row: BackupRow, request: VerifyRequest, binDirs: Record<string, string> | undefined, jobUser: { uid: number; gid: number } | undefined,
): Promise<NonNullable<VerifyOutcome['trial']>> {
  const base = await mkdtemp(join(tmpdir(), 'pgbo-trial-'));
  const toDir = join(base, 'data');
  try {
    const { chmod } = await import('node:fs/promises');
    await chmod(base, 0o755);
    // The backup's tablespaces, if any, go beside it: <temp>/tablespaces/<OID>, made by pgBackRest as the job user.
    const tablespaces = join(base, 'tablespaces');
    await mkdir(tablespaces, { mode: 0o700 });
    if (jobUser) await chown(tablespaces, jobUser.uid, jobUser.gid);
    const port = await freePort();
    const restored = await restorePgbackrestToDirectory(catalog, {
      backup: row, options: { toDir, target: { kind: 'end' }, ...request.recovery, tablespacesUnder: tablespaces, start: { port } }, dryRun: false, purpose: 'trial',
      stateDir: request.stateDir, actor: request.actor, logger: request.logger, ...(request.now ? { now: request.now } : {}),
    }).catch(refusalOf);
    // Refused before anything was read (a port taken since freePort picked it), or by its plan.
    if (restored instanceof RestoreRefusedError) return refusedTrial(restored.message);
    const record = restored.record;
    const durationMs = restored.result?.recoveryTimeMs ?? null;
    if (!record) return refusedTrial(restored.plan.refusals.join('; '));
    if (record.status !== 'succeeded' || !restored.result?.started) {
      if (restored.result?.started) await stopRestoredCluster(await pgCtlFor(toDir, binDirs), toDir);
      return { outcome: null, scratchDatabase: null, durationMs, problem: record.failureReason ?? 'the trial restore failed', record };
    }
    // Connected to as the basebackup trial's copy is: its databases listed, its B-tree indexes checked.
    const checked = await checkTrialCluster(catalog, row, toDir, port);
    await stopRestoredCluster(await pgCtlFor(toDir, binDirs), toDir);
    return {
      outcome: null, scratchDatabase: null, durationMs, problem: checked.problem, record,
      description: `trial restore into a temporary directory, recovered to ${describeReached(restored.result.reached, request.recovery?.target ?? { kind: 'end' })} and promoted, ${checked.summary}; stopped and removed (restore ${record.id})`,
    };
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}
