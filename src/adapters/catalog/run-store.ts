// Backup run rows: written by jobs (directly or from the spool), read and expired by retention.
import type { RunRecord } from '../../core/runs/run-record.js';
import type { RetentionSpec } from '../../core/model.js';
import { allocateRunColumns, RUN_STATUSES, UUID_BYTES, type RunColumns } from '../../core/retention/run-columns.js';
import type { RetentionGroup } from '../../core/retention/server-pass.js';
import type { Query } from './migrations.js';
import { inTransaction, observeRuns } from './notification-store.js';
import type { KeptEncryptedRuns } from '../../core/encryption/recipient-removal.js';

type WithQuery = <T>(fn: (query: Query) => Promise<T>) => Promise<T>;

const COLUMNS = [
  'id', 'definition', 'node', 'backup_server', 'database', 'backup_type', 'format', 'status', 'started_at', 'finished_at',
  'directory', 'bytes', 'files', 'pg_dump_version', 'server_version', 'failure_reason', 'failure_detail', 'log', 'retention', 'timezone',
  'method', 'method_facts', 'encryption',
] as const;

/** Statuses that are a verdict on the definition's health (see core/reports/definition-health.ts). */
const VERDICTS: ReadonlySet<string> = new Set(['succeeded', 'failed', 'abandoned']);

export class RunStore {
  constructor(private readonly withQuery: WithQuery) {}

  /**
   * Inserts or updates a run by id: idempotent, so a spooled record ingested twice (a crash between commit and
   * removing the spool file) changes nothing the second time. A terminal status is never overwritten by
   * `running` (a stale spooled start record), and a row already being expired is left to retention.
   */
  async upsertRun(r: RunRecord): Promise<void> {
    const values = [
      r.id, r.definition, r.node, r.backupServer, r.database, r.backupType, r.format, r.status, r.startedAt, r.finishedAt,
      r.directory, r.bytes, r.files === null ? null : JSON.stringify(r.files), r.pgDumpVersion, r.serverVersion,
      r.failureReason, r.failureDetail, r.log, r.retention === null ? null : JSON.stringify(r.retention), r.timezone,
      r.method, r.methodFacts === null ? null : JSON.stringify(r.methodFacts),
      r.encryption === null ? null : JSON.stringify(r.encryption),
    ];
    const placeholders = values.map((_, i) => `$${i + 1}`).join(', ');
    const updates = COLUMNS.filter((c) => c !== 'id').map((c) => `${c} = excluded.${c}`).join(', ');
    const upsert = (query: Query) => query(
      `insert into pgbackops.backup_runs (${COLUMNS.join(', ')}) values (${placeholders})
       on conflict (id) do update set ${updates}
       where pgbackops.backup_runs.status <> 'expiring'
         and (pgbackops.backup_runs.status = 'running' or excluded.status <> 'running')`,
      values,
    );
    if (!VERDICTS.has(r.status)) {
      await this.withQuery(upsert);
      return;
    }
    // A verdict may change the definition's alert state: observed in the same transaction, so the alert it
    // raises is recorded with the outcome or not at all (docs/monitoring.md#notifications).
    await this.withQuery((query) => inTransaction(query, async () => {
      await upsert(query);
      await observeRuns(query, r.definition);
    }));
  }

  async abandonRunning(backupServer: string, definition: string, exceptIds: readonly string[]): Promise<string[]> {
    return this.withQuery(async (query) => {
      // Almost always there is none: then one index probe (backup_runs_running_idx) answers, and no
      // transaction or update is made. An update, even of no row, fires backup_runs' statement triggers
      // (migration 029's totals and summaries): in a fresh session their PL/pgSQL is compiled and planned first
      // (10-30 ms), and `maintain`, which sweeps every definition of its server, paid them once per definition.
      // The caller holds the definition's run lock: no run of it starts or is swept meanwhile.
      const running = await query(
        `select exists (select 1 from pgbackops.backup_runs
          where status = 'running' and backup_server = $1 and definition = $2 and not (id = any($3::uuid[]))) as found`,
        [backupServer, definition, exceptIds],
      );
      if (!running.rows[0].found) return [];
      return abandonRunningRows(query, backupServer, definition, exceptIds);
    });
  }

  /**
   * Databases of a definition whose latest finished run succeeded: for `databases: all`, a database among
   * these that no longer exists has disappeared since its last backup, and the run reports it.
   */
  async databasesLastSucceeded(backupServer: string, definition: string): Promise<string[]> {
    const result = await this.withQuery((query) => query(
      `select database from (
         select distinct on (database) database, status from pgbackops.backup_runs
          where backup_server = $1 and definition = $2 and database is not null and status in ('succeeded', 'failed')
          order by database, started_at desc) latest
        where status = 'succeeded' order by database`,
      [backupServer, definition],
    ));
    return result.rows.map((row) => row.database as string);
  }

  /**
   * The size of the newest succeeded run of a definition for one database (null: the cluster), the estimate
   * behind `backup now`'s percentage (docs/cli.md#progress). `database is null` is spelled out for the cluster
   * so both cases walk backup_runs_definition_database_started_idx newest first.
   */
  async previousRunBytes(definition: string, database: string | null): Promise<number | null> {
    const { rows } = await this.withQuery((query) => query(
      database === null
        ? `select bytes from pgbackops.backup_runs
            where definition = $1 and database is null and status = 'succeeded' and bytes is not null
            order by started_at desc limit 1`
        : `select bytes from pgbackops.backup_runs
            where definition = $1 and database = $2 and status = 'succeeded' and bytes is not null
            order by started_at desc limit 1`,
      database === null ? [definition] : [definition, database],
    ));
    return rows[0] ? Number(rows[0].bytes) : null;
  }

  /**
   * Every run of a backup server, grouped by definition and database, for a retention pass. Each group's runs
   * come as one bytea of fixed-size records (RUN_RECORD), decoded straight into typed arrays: a million runs
   * are a thousand protocol rows and no per-run JS object. The records are aggregated in whatever order the
   * scan gives (an ORDER BY inside the aggregate costs a sort per group); newestFirst orders them. The
   * retention a run was taken with is read only for definitions no longer in the catalog (`removed`): the
   * others use their current policy, and reading a jsonb per row of a million would dominate the pass.
   */
  async retentionGroups(backupServer: string, removed: (definition: string) => boolean): Promise<RetentionGroup[]> {
    const rows = await this.withQuery(async (query) => {
      await query('begin read only');
      try {
        // The hash aggregate holds every run's record at once: let it do so in memory instead of spilling.
        await query(`set local work_mem = '64MB'`);
        const result = await query(
          `select definition, database, string_agg(${RUN_RECORD}, ''::bytea) as runs
             from pgbackops.backup_runs where backup_server = $1
            group by definition, database`,
          [backupServer],
        );
        await query('commit');
        return (result.rows as Array<{ definition: string; database: string | null; runs: Buffer }>)
          .map((row) => ({ definition: row.definition, database: row.database, runs: decodeRunRecords(row.runs) }));
      } catch (err) {
        await query('rollback').catch(() => undefined);
        throw err;
      }
    });
    const gone = [...new Set(rows.map((row) => row.definition).filter(removed))];
    const last = new Map<string, { retention: RetentionSpec | null; timezone: string | null }>();
    if (gone.length > 0) {
      const result = await this.withQuery((query) => query(
        `select distinct on (definition, database) definition, database, retention, timezone
           from pgbackops.backup_runs
          where backup_server = $1 and definition = any($2) and retention is not null
          order by definition, database, started_at desc`,
        [backupServer, gone],
      ));
      for (const row of result.rows) last.set(`${row.definition}\u0000${row.database ?? ''}`, { retention: row.retention, timezone: row.timezone });
    }
    // Through the partial index of runs that are not logical: nothing to read in a catalog of pg_dump backups.
    const others = new Map<string, string[]>();
    const methods = await this.withQuery((query) => query(
      `select distinct definition, database, method from pgbackops.backup_runs where backup_server = $1 and method <> 'logical'`,
      [backupServer],
    ));
    for (const row of methods.rows) {
      const key = `${row.definition}\u0000${row.database ?? ''}`;
      others.set(key, [...(others.get(key) ?? []), row.method as string]);
    }
    return rows
      .map((row) => {
        const key = `${row.definition}\u0000${row.database ?? ''}`;
        const known = last.get(key);
        return { ...row, lastRetention: known?.retention ?? null, lastTimezone: known?.timezone ?? null, otherMethods: others.get(key) ?? [] };
      })
      .sort((a, b) => compareText(a.definition, b.definition) || compareText(a.database ?? '', b.database ?? ''));
  }

  /**
   * The base backups of a node that keep its WAL archive's segments (wal-prune.ts): succeeded and still running
   * runs of method `basebackup`, with their facts. Taken by the node's backup server (the partial index on
   * backup_server serves it).
   */
  async baseBackupsKeepingWal(backupServer: string, node: string): Promise<Array<{ runId: string; facts: Record<string, unknown> | null }>> {
    return this.withQuery(async (query) => {
      const result = await query(
        `select id, method_facts from pgbackops.backup_runs
          where backup_server = $1 and method = 'basebackup' and node = $2 and status in ('succeeded', 'running')`,
        [backupServer, node],
      );
      return (result.rows as Array<{ id: string; method_facts: Record<string, unknown> | null }>).map((r) => ({ runId: r.id, facts: r.method_facts }));
    });
  }

  /**
   * Succeeded runs that are encrypted, counted per definition and set of recipients: what the plan's check of
   * removed recipients reads (through the partial index of encrypted runs).
   */
  async keptEncryptedRuns(): Promise<KeptEncryptedRuns[]> {
    const result = await this.withQuery((query) => query(
      `select definition, encryption -> 'age' -> 'recipients' as recipients, count(*)::int as count
         from pgbackops.backup_runs where encryption is not null and status = 'succeeded'
        group by 1, 2`,
    ));
    return result.rows.map((row) => ({ definition: row.definition as string, recipients: row.recipients as string[], count: row.count as number }));
  }

  /** Tombstones: rows whose files are about to be removed. Returns the rows actually marked, with their files. */
  async markExpiring(ids: readonly string[]): Promise<Array<{ id: string; directory: string | null; method: string; methodFacts: unknown }>> {
    if (ids.length === 0) return [];
    const result = await this.withQuery((query) => query(
      `update pgbackops.backup_runs set status = 'expiring', expired_at = now()
        where id = any($1::uuid[]) and status in ('succeeded', 'failed', 'expiring') returning id, directory, method, method_facts`,
      [ids],
    ));
    return result.rows.map((row) => ({ id: row.id as string, directory: row.directory as string | null, method: row.method as string, methodFacts: row.method_facts as unknown }));
  }

  /**
   * The facts of a server's runs of methods whose backups depend on each other, for retention's dependency
   * pass; through the partial index of runs that are not logical, so a catalog of pg_dump backups reads none.
   */
  async chainedRunFacts(backupServer: string, methods: readonly string[]): Promise<Array<{ id: string; method: string; facts: unknown }>> {
    if (methods.length === 0) return [];
    const result = await this.withQuery((query) => query(
      `select id, method, method_facts from pgbackops.backup_runs
        where backup_server = $1 and method <> 'logical' and method = any($2) and status in ('succeeded', 'expiring', 'running')`,
      [backupServer, methods],
    ));
    return result.rows.map((row) => ({ id: row.id as string, method: row.method as string, facts: row.method_facts as unknown }));
  }

  /** Removes tombstoned rows (their files are gone). */
  async deleteExpired(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await this.withQuery((query) => query(
      `delete from pgbackops.backup_runs where id = any($1::uuid[]) and status = 'expiring'`,
      [ids],
    ));
    return result.rowCount ?? 0;
  }
}

// One run in a retention read: its uuid (16 bytes), started_at in PostgreSQL's binary form (8 bytes:
// microseconds since 2000-01-01, big-endian) and its status as a code into RUN_STATUSES (1 byte; 0xff for
// a status this version does not know, refused when decoding rather than silently skipped).
const RUN_RECORD_BYTES = UUID_BYTES + 8 + 1;
const RUN_RECORD = `uuid_send(id) || timestamptz_send(started_at) || case status ${
  RUN_STATUSES.map((status, code) => `when '${status}' then '\\x${code.toString(16).padStart(2, '0')}'::bytea`).join(' ')
} else '\\xff'::bytea end`;
const POSTGRES_EPOCH_US = Date.UTC(2000, 0, 1) * 1000;

function decodeRunRecords(records: Buffer): RunColumns {
  if (records.length % RUN_RECORD_BYTES !== 0) throw new Error(`retention read: ${records.length} bytes is not a whole number of run records`);
  const runs = allocateRunColumns(records.length / RUN_RECORD_BYTES);
  for (let i = 0, o = 0; i < runs.count; i++, o += RUN_RECORD_BYTES) {
    for (let b = 0; b < UUID_BYTES; b++) runs.ids[i * UUID_BYTES + b] = records[o + b]!; // cheaper than a copy() call per run
    const epochUs = records.readInt32BE(o + UUID_BYTES) * 2 ** 32 + records.readUInt32BE(o + UUID_BYTES + 4) + POSTGRES_EPOCH_US;
    // Whole milliseconds, rounded half away from zero as (extract(epoch from started_at) * 1000)::bigint is.
    runs.startedAt[i] = epochUs < 0 ? -Math.round(-epochUs / 1000) : Math.round(epochUs / 1000);
    const status = records[o + RUN_RECORD_BYTES - 1]!;
    if (status >= RUN_STATUSES.length) throw new Error('retention read: a run has a status this version of pgbackops does not know');
    runs.status[i] = status;
  }
  return runs;
}

/** Code-unit order: groups are listed the same way whatever the catalog's collation. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Marks the definition's rows still `running` abandoned, with the alert state they change, in one transaction. */
async function abandonRunningRows(query: Query, backupServer: string, definition: string, exceptIds: readonly string[]): Promise<string[]> {
  const result = await inTransaction(query, async () => {
    const abandoned = await query(
      `update pgbackops.backup_runs
          set status = 'abandoned', finished_at = greatest(started_at, now()),
              failure_reason = 'abandoned', failure_detail = 'the process running it died before it finished'
        where status = 'running' and backup_server = $1 and definition = $2 and not (id = any($3::uuid[]))
        returning id`,
      [backupServer, definition, exceptIds],
    );
    // An abandoned run is a failure: alerted like one.
    if ((abandoned.rowCount ?? 0) > 0) await observeRuns(query, definition);
    return abandoned;
  });
  return result.rows.map((row) => row.id as string);
}
