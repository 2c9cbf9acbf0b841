// Restore run rows (pgbackops.restore_runs): written by `pgbackops restore` and `verify --restore`, directly
// or later from the spool; read by `pgbackops history`.
import type { RestoreRecord } from '../../core/restore/restore-record.js';
import type { Query } from './migrations.js';
import { NOTIFICATION_EVENT_VERSION, type NotificationEvent } from '../../core/notify/event.js';
import { enqueue, inTransaction, lockState, settleState } from './notification-store.js';

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
    const upsert = (query: Query) => query(
      `insert into pgbackops.restore_runs (${COLUMNS.join(', ')}) values (${placeholders})
       on conflict (id) do update set ${updates}
       where pgbackops.restore_runs.status = 'running' or excluded.status <> 'running'`,
      values,
    );
    if (r.status === 'running') {
      await this.withQuery(upsert);
      return;
    }
    // The outcome's notification is recorded with it (docs/monitoring.md#notifications).
    await this.withQuery((query) => inTransaction(query, async () => {
      await upsert(query);
      await notifyRestoreOutcome(query, r);
    }));
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

/**
 * A restore's outcome is an event of its own (restore-finished / restore-failed, keyed by the restore id, so
 * a record ingested twice tells once). A trial restore (`verify --restore`) is the definition's verify state:
 * alerted when it turns failing, and when it recovers.
 */
async function notifyRestoreOutcome(query: Query, r: RestoreRecord): Promise<void> {
  // A physical method's restore goes into a directory (targetDir), not into a node's database.
  const what = r.targetNode === null ? `directory ${r.targetDir ?? '(unknown)'}`
    : r.targetDatabase ? `${r.targetNode}/${r.targetDatabase}` : r.targetNode;
  const node = r.targetNode === null ? {} : { node: r.targetNode };
  if (r.purpose === 'trial') {
    const subject = `definition:${r.definition}`;
    const state = await lockState(query, subject, 'verify');
    const failed = r.status === 'failed';
    await settleState(query, subject, 'verify', state, {
      bad: failed,
      cause: r.id,
      summary: failed ? `trial restore of a backup of ${r.definition} failed on ${what}` : `trial restore of a backup of ${r.definition} succeeded again`,
      ...(failed && r.failureReason ? { detail: r.failureReason } : {}),
      subject: { definition: r.definition, ...node, restoreId: r.id, runId: r.backupRunId },
    }, { definition: r.definition });
    return;
  }
  const failed = r.status === 'failed';
  const type = failed ? 'restore-failed' : 'restore-finished';
  const event: NotificationEvent = {
    version: NOTIFICATION_EVENT_VERSION, id: `${type}/restore:${r.id}`, type, notice: 'info', severity: failed ? 'critical' : 'info',
    occurredAt: r.finishedAt ?? new Date().toISOString(),
    summary: failed ? `restore of a backup of ${r.definition} into ${what} failed` : `restore of a backup of ${r.definition} into ${what} finished`,
    ...(failed && r.failureReason ? { detail: r.failureReason } : {}),
    subject: {
      definition: r.definition, ...node, restoreId: r.id, runId: r.backupRunId,
      ...(r.targetDatabase ? { database: r.targetDatabase } : {}),
    },
  };
  // Told to the target node's notifiers; a restore into a directory, to its definition's.
  await enqueue(query, event, r.targetNode === null ? { definition: r.definition } : { node: r.targetNode });
}
