// `pgbackops run DEFINITION`: take the definition's backups through its method (src/methods/), one run record
// per database (or one for the cluster).
//
// Order of work, chosen so that nothing is lost or half-written when the process dies at any point:
// 1. per-definition lock (an overlapping start is recorded as `skipped` and exits);
// 2. under the lock, what dead runs of this definition left is cleared (sweep-abandoned.ts): the programs
//    they started are stopped, their temporary directories removed, their rows marked abandoned;
// 3. per database, the method's takeBackup: record `running`, write into `<dir>/.tmp-<run id>/` (0700 dirs,
//    0600 files), write the log and manifest.json with sha256 of every file, rename to the final timestamped
//    directory, record `succeeded` (or `failed` with a classified reason; the log stays). The logical method
//    (pg_dump) also captures roles and database settings there;
// 4. the method records, as failed, what the last run backed up and is gone now (a dropped database).
// A step that fails outside a backup (the lock directory, the sweep, listing the databases) is recorded too:
// every database the run was to back up and has no record yet gets a `failed` one with the classified
// reason, so no failure ever reads as "did not run" or stays `running`.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FileLockTimeoutError, withFileLock } from '../adapters/os/file-lock.js';
import { classifyJobError } from '../core/dump/classify-failure.js';
import type { RunRecord } from '../core/runs/run-record.js';
import { baseRecord, failedRecord, type RunOutcome, type RunRequest } from './run-request.js';
import { clearAbandonedRuns, runLockPath } from './sweep-abandoned.js';
import { mark } from '../adapters/os/timeline.js';

export type { RunOutcome, RunProgress, RunRequest } from './run-request.js';

export async function runBackup(request: RunRequest): Promise<RunOutcome> {
  const { definition: def, stateDir } = request;
  const progress: RunProgressState = { databases: request.method.plannedDatabases(request), records: [] };
  // Backup files and roles dumps (password hashes) must never be readable by others.
  const previousUmask = process.umask(0o077);
  try {
    await mkdir(join(stateDir, 'locks'), { recursive: true, mode: 0o700 });
    await withFileLock(runLockPath(stateDir, def.name), `pgbackops run ${def.name}`, 0, () => runLocked(request, progress));
  } catch (err) {
    if (err instanceof FileLockTimeoutError) {
      const skipped = baseRecord(request, null, request.now?.() ?? new Date());
      Object.assign(skipped, {
        status: 'skipped', finishedAt: skipped.startedAt, failureReason: 'overlap',
        failureDetail: 'another run of this definition is still in progress', log: err.message,
      });
      await request.recorder.record(skipped);
      return { records: [skipped], recordedIn: request.recorder.mode };
    }
    await recordStepFailure(request, progress, err as Error);
  } finally {
    process.umask(previousUmask);
    mark('unlocked');
  }
  return { records: progress.records, recordedIn: request.recorder.mode };
}

/** What the run has done so far: the databases it is to dump (once known) and the records it made. */
interface RunProgressState {
  databases: Array<string | null>;
  records: RunRecord[];
}

async function runLocked(request: RunRequest, progress: RunProgressState): Promise<void> {
  const { definition: def, logger } = request;
  mark('locked');
  const swept = await clearAbandonedRuns({ place: request, markAbandoned: () => request.recorder.abandonRunning(request.server, def.name) });
  if (swept.abandoned.length > 0 || swept.stopped.length > 0) {
    logger.warn({ definition: def.name, runs: swept.abandoned, stoppedPids: swept.stopped }, 'cleared what runs killed before they finished left: marked abandoned, programs stopped, temporary directories removed');
  }

  mark('swept');
  progress.databases = await request.method.databasesToBackUp(request);
  for (const database of progress.databases) {
    // Asked to stop: the backup in progress was recorded `interrupted`; the next ones are not started.
    if (request.stop?.aborted) break;
    const record = await request.method.takeBackup(request, database);
    progress.records.push(record);
    request.onProgress?.({ kind: 'done', record });
  }
  if (!request.stop?.aborted) progress.records.push(...(await request.method.recordVanished(request, progress.databases)));
}

/**
 * A step outside the dumps failed: each database still without a record gets a `failed` one with the
 * classified reason. Rethrows when there is none to give it to (every database has its record), and when
 * recording is impossible (the catalog unreachable and the spool unwritable): then nothing can say it.
 */
async function recordStepFailure(request: RunRequest, progress: RunProgressState, err: Error): Promise<void> {
  const recorded = new Set(progress.records.map((r) => r.database));
  const pending = request.stop?.aborted ? [] : progress.databases.filter((d) => !recorded.has(d));
  if (pending.length === 0) throw err;
  const failure = classifyJobError(err as Error & { code?: unknown; path?: unknown });
  request.logger.error({ definition: request.definition.name, reason: failure.reason }, failure.detail);
  for (const database of pending) {
    const log = `run of ${request.definition.name} failed before dumping ${database ?? 'the cluster'}: ${failure.reason}: ${failure.detail}`;
    const record = failedRecord(request, database, failure, log);
    await request.recorder.record(record);
    progress.records.push(record);
  }
}
