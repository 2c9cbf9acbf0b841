// Which databases a logical run dumps: the listed ones, the one asked for, every database of the node for
// `databases: all` (read when the run starts), or the cluster as a whole (`type: cluster`, pg_dumpall).
import { logicalSpecOf } from '../../core/methods/logical/options.js';
import type { RunRecord } from '../../core/runs/run-record.js';
import type { RunnableDefinition } from '../../runtime/definition-cache.js';
import { failedRecord, type RunRequest } from '../../jobs/run-request.js';

/**
 * `databases: all` follows the node: a new database is picked up, and one that was backed up last time but
 * is gone now is reported as a failed run (once: its latest run is then no longer a success), never
 * silently dropped. Its earlier backups stay (retention keeps everything of a group whose last run failed).
 */
export async function recordVanishedDatabases(request: RunRequest, dumped: ReadonlyArray<string | null>): Promise<RunRecord[]> {
  const backup = logicalSpecOf(request.definition.backup);
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
export function plannedDatabases(request: RunRequest): Array<string | null> {
  const backup = logicalSpecOf(request.definition.backup);
  if (backup.type === 'cluster') return [null];
  if (backup.databases === 'all') return [request.database ?? null];
  if (!request.database) return [...backup.databases];
  if (!backup.databases.includes(request.database)) {
    throw new Error(`definition ${request.definition.name} does not back up database "${request.database}" (it covers: ${backup.databases.join(', ')})`);
  }
  return [request.database];
}

export async function databasesToDump(request: RunRequest): Promise<Array<string | null>> {
  const { node } = request.definition;
  const backup = logicalSpecOf(request.definition.backup);
  if (backup.type === 'cluster' || backup.databases !== 'all' || request.database) return plannedDatabases(request);
  const excluded = new Set(backup.exclude);
  // Loaded only here: the module also holds the roles capture and its SQL rendering, which dumpDatabase
  // loads once pg_dump is running rather than before.
  const { listDatabases } = await import('../../adapters/postgres/capture-globals.js');
  return (await listDatabases(node)).filter((d) => !excluded.has(d));
}

/** The database a run of `definition` connects to first: where its first dump (or its database list) comes from. */
export function firstDatabase(definition: RunnableDefinition, database?: string): string {
  const { node } = definition;
  const backup = logicalSpecOf(definition.backup);
  if (backup.type === 'cluster') return node.maintenanceDatabase;
  if (database) return database;
  return backup.databases === 'all' ? node.maintenanceDatabase : backup.databases[0] ?? node.maintenanceDatabase;
}
