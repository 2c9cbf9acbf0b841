// Restore run rows (pgbackops.restore_runs): written by `pgbackops restore` and `verify --restore`, directly
// or later from the spool; read by `pgbackops history`.
import type { RestoreRecord } from '../../core/restore/restore-record.js';
import type { Query } from './migrations.js';

type WithQuery = <T>(fn: (query: Query) => Promise<T>) => Promise<T>;

const COLUMNS = [
  'id', 'purpose', 'backup_run_id', 'definition', 'source_database', 'backup_type', 'format', 'target_node', 'target_database',
  'renamed_existing_to', 'status', 'started_at', 'finished_at', 'failure_reason', 'log', 'pg_restore_version', 'server_version',
  'created_roles', 'created_databases', 'actor', 'executor', 'method', 'target_dir', 'recovery_target', 'method_facts',
] as const;

export class RestoreStore {
  constructor(private readonly withQuery: WithQuery) {}

  /**
   * Inserts or updates by id: idempotent, so a spooled record ingested twice changes nothing, and a stale
   * `running` record never overwrites a finished one.
   */
  async upsertRestore(r: RestoreRecord): Promise<void> {
    const values = [
      r.id, r.purpose, r.backupRunId, r.definition, r.sourceDatabase, r.backupType, r.format, r.targetNode, r.targetDatabase,
      r.renamedExistingTo, r.status, r.startedAt, r.finishedAt, r.failureReason, r.log, r.pgRestoreVersion, r.serverVersion,
      r.createdRoles, r.createdDatabases, r.actor, r.executor ?? null, r.method ?? 'logical', r.targetDir ?? null, r.recoveryTarget ?? null,
      r.methodFacts ? JSON.stringify(r.methodFacts) : null,
    ];
    const placeholders = values.map((_, i) => `$${i + 1}`).join(', ');
    const updates = COLUMNS.filter((c) => c !== 'id').map((c) => `${c} = excluded.${c}`).join(', ');
    await this.withQuery((query) => query(
      `insert into pgbackops.restore_runs (${COLUMNS.join(', ')}) values (${placeholders})
       on conflict (id) do update set ${updates}
       where pgbackops.restore_runs.status = 'running' or excluded.status <> 'running'`,
      values,
    ));
  }

  /**
   * Restores still `running` that were started on `host` by a process that no longer exists: recorded as
   * failed (abandoned). What they created is not undone (their process did not get to); the log says so.
   * Returns their ids.
   */
  async abandonDead(host: string, isAlive: (pid: number) => boolean): Promise<string[]> {
    return this.withQuery(async (query) => {
      const running = await query(
        `select id::text, executor from pgbackops.restore_runs where status = 'running' and starts_with(executor, $1)`, [`${host}:`]);
      const dead = running.rows.filter((r) => !isAlive(Number(String(r.executor).slice(host.length + 1))));
      if (dead.length === 0) return [];
      const ids = dead.map((r) => r.id as string);
      await query(
        `update pgbackops.restore_runs
            set status = 'failed', finished_at = greatest(now(), started_at),
                failure_reason = 'abandoned: the process running it (' || executor || ') died; what it had created was not undone',
                log = coalesce(log || E'\n', '') || 'abandoned: the process died; check the target for a partial database or roles'
          where id = any($1::uuid[]) and status = 'running'`,
        [ids],
      );
      return ids;
    });
  }
}
