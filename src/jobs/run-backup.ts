// `pgbackops run DEFINITION`: take the definition's dumps, one run record per database.
//
// Order of work, chosen so that nothing is lost or half-written when the process dies at any point:
// 1. per-definition lock (an overlapping start is recorded as `skipped` and exits);
// 2. under the lock, what dead runs of this definition left is cleared (sweep-abandoned.ts): the programs
//    they started are stopped, their temporary directories removed, their rows marked abandoned;
// 3. per database: record `running`, dump into `<dir>/.tmp-<run id>/` (0700 dirs, 0600 files), capture roles
//    and database settings, write the log and manifest.json with sha256 of every file, rename to the final
//    timestamped directory, record `succeeded` (or `failed` with a classified reason; the log stays).
// A step that fails outside a database's dump (the lock directory, the sweep, listing the databases) is
// recorded too: every database the run was to dump and has no record yet gets a `failed` one with the
// classified reason, so no failure ever reads as "did not run" or stays `running`.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FileLockTimeoutError, withFileLock } from '../adapters/postgres/file-lock.js';
import { classifyJobError } from '../core/dump/classify-failure.js';
import type { RunRecord } from '../core/runs/run-record.js';
import { dumpDatabase } from './dump-database.js';
import { baseRecord, failedRecord, type RunOutcome, type RunRequest } from './run-request.js';
import { clearAbandonedRuns, runLockPath } from './sweep-abandoned.js';

export type { RunOutcome, RunProgress, RunRequest } from './run-request.js';

export async function runBackup(request: RunRequest): Promise<RunOutcome> {
  const { definition: def, stateDir } = request;
  const progress: RunProgressState = { databases: requestedDatabases(request), records: [] };
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
  const swept = await clearAbandonedRuns({ place: request, markAbandoned: () => request.recorder.abandonRunning(request.server, def.name) });
  if (swept.abandoned.length > 0 || swept.stopped.length > 0) {
    logger.warn({ definition: def.name, runs: swept.abandoned, stoppedPids: swept.stopped }, 'cleared what runs killed before they finished left: marked abandoned, programs stopped, temporary directories removed');
  }

  progress.databases = await databasesToDump(request);
  for (const database of progress.databases) {
    // Asked to stop: the dump in progress was recorded `interrupted`; the next ones are not started.
    if (request.stop?.aborted) break;
    const record = await dumpDatabase(request, database);
    progress.records.push(record);
    request.onProgress?.({ kind: 'done', record });
  }
  if (!request.stop?.aborted) progress.records.push(...(await reportVanishedDatabases(request, progress.databases)));
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

/**
 * `databases: all` follows the node: a new database is picked up, and one that was backed up last time but
 * is gone now is reported as a failed run (once: its latest run is then no longer a success), never
 * silently dropped. Its earlier backups stay (retention keeps everything of a group whose last run failed).
 */
async function reportVanishedDatabases(request: RunRequest, dumped: ReadonlyArray<string | null>): Promise<RunRecord[]> {
  const { backup } = request.definition;
  if (backup.databases !== 'all' || request.database) return [];
  const now = new Set(dumped);
  const excluded = new Set(backup.exclude);
  const vanished = (await request.recorder.databasesLastSucceeded(request.server, request.definition.name))
    .filter((d) => !now.has(d) && !excluded.has(d));
  const out: RunRecord[] = [];
  for (const database of vanished) {
    const detail = `database "${database}" was backed up by the previous run but no longer exists on node ${request.definition.node.name}`;
    const record = failedRecord(request, database, { reason: 'database-missing', detail }, detail);
    await request.recorder.record(record);
    out.push(record);
  }
  return out;
}

/**
 * The databases the run is to dump as far as known before it starts: the cluster, the listed databases (only
 * the one asked for, which must be one of them), or for `databases: all` the one asked for, else the
 * definition as a whole (null) until the node's list is read.
 */
function requestedDatabases(request: RunRequest): Array<string | null> {
  const { backup } = request.definition;
  if (backup.type === 'cluster') return [null];
  if (backup.databases === 'all') return [request.database ?? null];
  if (!request.database) return [...backup.databases];
  if (!backup.databases.includes(request.database)) {
    throw new Error(`definition ${request.definition.name} does not back up database "${request.database}" (it covers: ${backup.databases.join(', ')})`);
  }
  return [request.database];
}

async function databasesToDump(request: RunRequest): Promise<Array<string | null>> {
  const { backup, node } = request.definition;
  if (backup.type === 'cluster' || backup.databases !== 'all' || request.database) return requestedDatabases(request);
  const excluded = new Set(backup.exclude);
  // Loaded only here: the module also holds the roles capture and its SQL rendering, which dumpDatabase
  // loads once pg_dump is running rather than before.
  const { listDatabases } = await import('../adapters/postgres/capture-globals.js');
  return (await listDatabases(node)).filter((d) => !excluded.has(d));
}
