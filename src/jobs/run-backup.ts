// `pgbackops run DEFINITION`: take the definition's dumps, one run record per database.
//
// Order of work, chosen so that nothing is lost or half-written when the process dies at any point:
// 1. per-definition lock (an overlapping start is recorded as `skipped` and exits);
// 2. under the lock, runs of this definition still `running` belong to dead processes: mark them
//    abandoned and remove their temporary directories;
// 3. per database: record `running`, dump into `<dir>/.tmp-<run id>/` (0700 dirs, 0600 files), capture roles
//    and database settings, write the log and manifest.json with sha256 of every file, rename to the final
//    timestamped directory, record `succeeded` (or `failed` with a classified reason; the log stays).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FileLockTimeoutError, withFileLock } from '../adapters/postgres/file-lock.js';
import type { RunRecord } from '../core/runs/run-record.js';
import { definitionRoot, removeTemporaryDirectories } from './backup-layout.js';
import { dumpDatabase } from './dump-database.js';
import { baseRecord, type RunOutcome, type RunRequest } from './run-request.js';

export type { RunOutcome, RunProgress, RunRequest } from './run-request.js';

export async function runBackup(request: RunRequest): Promise<RunOutcome> {
  const { definition: def, stateDir } = request;
  const lockPath = join(stateDir, 'locks', `${def.name}.lock`);
  await mkdir(join(stateDir, 'locks'), { recursive: true, mode: 0o700 });
  // Backup files and roles dumps (password hashes) must never be readable by others.
  const previousUmask = process.umask(0o077);
  try {
    return await withFileLock(lockPath, `pgbackops run ${def.name}`, 0, () => runLocked(request));
  } catch (err) {
    if (!(err instanceof FileLockTimeoutError)) throw err;
    const skipped = baseRecord(request, null, request.now?.() ?? new Date());
    Object.assign(skipped, {
      status: 'skipped', finishedAt: skipped.startedAt, failureReason: 'overlap',
      failureDetail: 'another run of this definition is still in progress', log: err.message,
    });
    await request.recorder.record(skipped);
    return { records: [skipped], recordedIn: request.recorder.mode };
  } finally {
    process.umask(previousUmask);
  }
}

async function runLocked(request: RunRequest): Promise<RunOutcome> {
  const { definition: def, logger } = request;
  const abandoned = await request.recorder.abandonRunning(request.server, def.name);
  if (abandoned.length > 0) logger.warn({ definition: def.name, runs: abandoned }, 'marked runs left running by a dead process as abandoned');
  await removeTemporaryDirectories(definitionRoot(request));

  const records: RunRecord[] = [];
  const databases = await databasesToDump(request);
  for (const database of databases) {
    const record = await dumpDatabase(request, database);
    records.push(record);
    request.onProgress?.({ kind: 'done', record });
  }
  records.push(...(await reportVanishedDatabases(request, databases)));
  return { records, recordedIn: request.recorder.mode };
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
    const at = request.now?.() ?? new Date();
    const record = baseRecord(request, database, at);
    Object.assign(record, {
      status: 'failed', finishedAt: at.toISOString(), failureReason: 'database-missing',
      failureDetail: `database "${database}" was backed up by the previous run but no longer exists on node ${request.definition.node.name}`,
    });
    record.log = record.failureDetail;
    await request.recorder.record(record);
    out.push(record);
  }
  return out;
}

async function databasesToDump(request: RunRequest): Promise<Array<string | null>> {
  const { backup, node } = request.definition;
  if (backup.type === 'cluster') return [null];
  if (backup.databases !== 'all') {
    const wanted = request.database ? backup.databases.filter((d) => d === request.database) : backup.databases;
    if (request.database && wanted.length === 0) {
      throw new Error(`definition ${request.definition.name} does not back up database "${request.database}" (it covers: ${backup.databases.join(', ')})`);
    }
    return wanted;
  }
  if (request.database) return [request.database];
  const excluded = new Set(backup.exclude);
  // Loaded only here: the module also holds the roles capture and its SQL rendering, which dumpDatabase
  // loads once pg_dump is running rather than before.
  const { listDatabases } = await import('../adapters/postgres/capture-globals.js');
  return (await listDatabases(node)).filter((d) => !excluded.has(d));
}
