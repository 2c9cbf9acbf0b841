// Restore run rows (pgbackops.restore_runs): written by `pgbackops restore` and `verify --restore`, directly
// or later from the spool; read by `pgbackops history`.
import type { RestoreRecord } from '../../core/restore/restore-record.js';
import type { Query } from './migrations.js';

type WithQuery = <T>(fn: (query: Query) => Promise<T>) => Promise<T>;

const COLUMNS = [
  'id', 'purpose', 'backup_run_id', 'definition', 'source_database', 'backup_type', 'format', 'target_node', 'target_database',
  'renamed_existing_to', 'status', 'started_at', 'finished_at', 'failure_reason', 'log', 'pg_restore_version', 'server_version',
  'created_roles', 'created_databases', 'actor',
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
      r.createdRoles, r.createdDatabases, r.actor,
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
}
