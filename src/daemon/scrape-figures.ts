// What /metrics shows besides the per-definition run statistics (run-stats.ts), read per scrape with one
// query each: the last successful backup of every database (its size and duration: a definition backs up
// several databases, one run row each), and the last restore and trial restore (`verify --restore`) of
// every definition (docs/monitoring.md, "Metrics").
type Query = <R extends Record<string, unknown>>(sql: string, params: unknown[]) => Promise<R[]>;

export interface DatabaseBackupFigures {
  definition: string;
  /** '' for a cluster-wide run (pg_dumpall, or a physical method's backup of the whole node). */
  database: string;
  bytes: number | null;
  durationSeconds: number | null;
}

export interface RestoreOutcome {
  definition: string;
  /** 'restore' (pgbackops restore, a Restore object) or 'trial' (verify --restore). */
  purpose: 'restore' | 'trial';
  succeeded: boolean;
  finishedAt: number;
}

/** The latest successful run of each (definition, database) of one backup server (backup_runs_server_idx). */
export async function readDatabaseBackupFigures(query: Query, server: string): Promise<DatabaseBackupFigures[]> {
  const rows = await query<Record<string, unknown>>(
    `select distinct on (definition, database) definition, database, bytes,
            extract(epoch from finished_at - started_at) as seconds
       from pgbackops.backup_runs
      where backup_server = $1 and status in ('succeeded', 'expiring') and finished_at is not null
      order by definition, database, finished_at desc`,
    [server],
  );
  return rows.map((r) => ({
    definition: r.definition as string,
    database: (r.database as string | null) ?? '',
    bytes: r.bytes === null ? null : Number(r.bytes),
    durationSeconds: r.seconds === null ? null : Number(r.seconds),
  }));
}

/** The latest finished restore and trial restore of each of the named definitions. */
export async function readRestoreOutcomes(query: Query, definitions: readonly string[]): Promise<RestoreOutcome[]> {
  if (definitions.length === 0) return [];
  const rows = await query<Record<string, unknown>>(
    `select distinct on (definition, purpose) definition, purpose, status, extract(epoch from finished_at) * 1000 as finished_at
       from pgbackops.restore_runs
      where definition = any($1) and status in ('succeeded', 'failed') and finished_at is not null
      order by definition, purpose, finished_at desc`,
    [definitions],
  );
  return rows.map((r) => ({
    definition: r.definition as string,
    purpose: r.purpose as 'restore' | 'trial',
    succeeded: r.status === 'succeeded',
    finishedAt: Number(r.finished_at),
  }));
}
