// Runs this backup server's one-off jobs (Snapshot, Restore) that are due: called by `pgbackops maintain`
// (from cron or the daemon). Each job is claimed in the catalog before it starts, one at a time, so several
// executors (on one server or, for restores whose backup cannot be found, on several) share the work and
// each job runs exactly once. Snapshots go first: a Restore of the latest backup of a Snapshot due at the
// same time restores that snapshot.
import { hostname } from 'node:os';
import type { Catalog } from '../../adapters/catalog/catalog.js';
import { executorId, isProcessAlive } from '../../adapters/os/process-alive.js';
import type { ClaimedOneOff, OneOffOutcome } from '../../adapters/catalog/one-off-store.js';
import { ONE_OFF_KINDS, type OneOffKind } from '../../core/model.js';
import { restoreResult, snapshotResult } from '../../core/one-off/outcome.js';
import { sweepAbandoned } from '../sweep-abandoned.js';
import { missedDeadline } from '../../core/one-off/timing.js';
import type { OneOffContext } from './one-off-context.js';
import { runRestoreJob } from './run-restore-job.js';
import { runSnapshotJob } from './run-snapshot-job.js';

export interface OneOffReport {
  kind: OneOffKind;
  name: string;
  state: OneOffOutcome['state'];
  message: string;
  /** false when the outcome could not be recorded on the object (removed meanwhile, or re-claimed). */
  recorded: boolean;
}

export async function runDueOneOffs(catalog: Catalog, ctx: OneOffContext): Promise<OneOffReport[]> {
  const reports = await sweepDeadExecutors(catalog, ctx);
  const claimant = executorId(hostname());
  for (const kind of ONE_OFF_KINDS) {
    for (;;) {
      const [job] = await catalog.oneOffs.claimDue(kind, ctx.server, claimant, 1);
      if (!job) break;
      reports.push(await runClaimed(catalog, ctx, job));
    }
  }
  return reports;
}

async function runClaimed(catalog: Catalog, ctx: OneOffContext, job: ClaimedOneOff): Promise<OneOffReport> {
  const log = ctx.logger.child({ oneOff: `${job.kind}/${job.name}`, attempt: job.attemptId });
  const late = missedDeadline(job.spec, job.createdAt, job.claimedAt);
  let outcome: OneOffOutcome;
  if (late) {
    outcome = { state: 'missed', message: late, result: {} };
  } else {
    log.info('one-off job started');
    try {
      outcome = job.kind === 'Snapshot' ? await runSnapshotJob(catalog, ctx, job) : await runRestoreJob(catalog, ctx, job);
    } catch (err) {
      outcome = { state: 'failed', message: (err as Error).message.split('\n')[0]!, result: {} };
    }
  }
  const recorded = await catalog.oneOffs.finish(job.kind, job.name, job.attemptId, outcome);
  (outcome.state === 'succeeded' ? log.info.bind(log) : log.warn.bind(log))({ state: outcome.state, message: outcome.message }, 'one-off job finished');
  if (!recorded) log.warn('the object was removed or re-claimed meanwhile: its status was not updated (the runs are recorded)');
  return { kind: job.kind, name: job.name, state: outcome.state, message: outcome.message, recorded };
}

/**
 * Jobs this host claimed whose executor process is gone (killed, machine rebooted): their status would say
 * `running` forever. A Snapshot's outcome is rebuilt from the runs it recorded since the claim; a Restore
 * that was interrupted is failed (never retried on its own: half of a restore may be in place), and
 * `pgbackops history` shows what it did.
 */
async function sweepDeadExecutors(catalog: Catalog, ctx: OneOffContext): Promise<OneOffReport[]> {
  const reports: OneOffReport[] = [];
  const host = hostname();
  for (const kind of ONE_OFF_KINDS) {
    for (const job of await catalog.oneOffs.runningClaimedBy(kind, `${host}:`)) {
      const pid = Number(job.claimedBy!.slice(host.length + 1));
      if (isProcessAlive(pid)) continue;
      // The snapshot's own runs left `running` are abandoned first, so its outcome can be judged from them.
      if (job.kind === 'Snapshot') {
        const place = { stateDir: ctx.stateDir, serverSpec: ctx.serverSpec, definition: { name: job.name, node: { name: job.spec.node } } };
        await sweepAbandoned(ctx.stateDir, job.name, { place, markAbandoned: () => catalog.runs.abandonRunning(ctx.server, job.name, []) });
      }
      else await catalog.restores.abandonDead(host, isProcessAlive);
      const outcome = await abandonedOutcome(catalog, job, pid);
      const recorded = await catalog.oneOffs.finish(kind, job.name, job.attemptId, outcome);
      ctx.logger.warn({ oneOff: `${kind}/${job.name}`, pid, state: outcome.state }, 'one-off job left running by a dead process');
      reports.push({ kind, name: job.name, state: outcome.state, message: outcome.message, recorded });
    }
  }
  return reports;
}

async function abandonedOutcome(catalog: Catalog, job: ClaimedOneOff, pid: number): Promise<OneOffOutcome> {
  const dead = `its executor (pid ${pid}) died`;
  if (job.kind === 'Snapshot') {
    // Its runs are all finished or abandoned by now: they say what the snapshot achieved.
    const runs = await catalog.reports.listBackups({ definition: job.name, since: job.claimedAt });
    if (runs.length > 0) {
      const rebuilt = snapshotResult(runs);
      return { ...rebuilt, message: `${rebuilt.message} (${dead}; status rebuilt from its runs)` };
    }
    return { state: 'failed', message: `abandoned: ${dead} before the snapshot recorded a run; not retried`, result: { runs: [] } };
  }
  const [restore] = await catalog.reports.restoreHistory(1, { actor: `Restore/${job.name}`, since: job.claimedAt });
  if (restore) {
    const rebuilt = restoreResult(restore);
    return { ...rebuilt, message: `${rebuilt.message} (${dead}; status rebuilt from its restore run; not retried)` };
  }
  return { state: 'failed', message: `abandoned: ${dead} before the restore started; not retried`, result: {} };
}
