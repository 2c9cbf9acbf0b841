// Off-site copy rows (migration 020): one per (backup run, store), written by `run` and `maintain`, read by
// remote retention, restore, verify and the reports.
import type { RetentionSpec } from '../../core/model.js';
import type { RunRecord } from '../../core/runs/run-record.js';
import type { Query } from './migrations.js';

type WithQuery = <T>(fn: (query: Query) => Promise<T>) => Promise<T>;

export type CopyState = 'pending' | 'copied' | 'failed' | 'expiring' | 'expired';

export interface CopyObject {
  key: string;
  /** The file's path in the backup directory. */
  path: string;
  bytes: number;
  sha256: string;
}

export interface OffsiteCopy {
  runId: string;
  store: string;
  backupServer: string;
  definition: string;
  node: string;
  database: string | null;
  runStartedAt: Date;
  state: CopyState;
  attempts: number;
  nextAttemptAt: Date;
  failureReason: string | null;
  keyPrefix: string;
  objects: CopyObject[] | null;
  bytes: number | null;
  verifiedBy: 'checksum' | 'read-back' | null;
  /** The run record (without its log) as it was when the copy was asked for. */
  run: RunRecord;
  retention: RetentionSpec;
  timezone: string;
  copiedAt: Date | null;
  failedAt: Date | null;
  expiredAt: Date | null;
}

export interface NewCopy {
  run: RunRecord;
  store: string;
  keyPrefix: string;
  retention: RetentionSpec;
}

const COLUMNS = `run_id::text, store, backup_server, definition, node, database, run_started_at, state, attempts, next_attempt_at,
  failure_reason, key_prefix, objects, bytes, verified_by, run, retention, timezone, copied_at, failed_at, expired_at`;

/** A claim older than this, by a process on another host, is taken for dead (nothing can check it from here). */
const STALE_FOREIGN_CLAIM = '6 hours';

export class OffsiteStore {
  constructor(private readonly withQuery: WithQuery) {}

  /** Records copies to make as `pending`; a copy already recorded is left as it is. Returns the ones added. */
  async addPending(copies: readonly NewCopy[]): Promise<number> {
    if (copies.length === 0) return 0;
    const rows = copies.map((c) => ({
      run_id: c.run.id, store: c.store, backup_server: c.run.backupServer, definition: c.run.definition, node: c.run.node,
      database: c.run.database, run_started_at: c.run.startedAt, key_prefix: c.keyPrefix,
      run: { ...c.run, log: null }, retention: c.retention, timezone: c.run.timezone,
    }));
    const result = await this.withQuery((query) => query(
      `insert into pgbackops.offsite_copies (run_id, store, backup_server, definition, node, database, run_started_at, state, key_prefix, run, retention, timezone)
       select r.run_id, r.store, r.backup_server, r.definition, r.node, r.database, r.run_started_at, 'pending', r.key_prefix, r.run, r.retention, r.timezone
         from jsonb_to_recordset($1::jsonb) as r(run_id uuid, store text, backup_server text, definition text, node text, database text,
              run_started_at timestamptz, key_prefix text, run jsonb, retention jsonb, timezone text)
       on conflict (run_id, store) do nothing`,
      [JSON.stringify(rows)],
    ));
    return result.rowCount ?? 0;
  }

  /**
   * Succeeded runs of a server that a target wants copied and that have no copy row in its store yet: runs
   * recorded through the spool (the catalog was down when they finished), Snapshots run by maintain, and the
   * backups kept locally when a store is added. Each as the run record the copy keeps (without its log).
   */
  async runsWithoutCopy(server: string, wanted: ReadonlyArray<{ definition: string; store: string }>): Promise<Array<{ store: string; run: RunRecord }>> {
    if (wanted.length === 0) return [];
    const { rows } = await this.withQuery((query) => query(
      `select t.store, jsonb_build_object(
                'id', r.id, 'definition', r.definition, 'node', r.node, 'backupServer', r.backup_server, 'database', r.database,
                'status', r.status, 'startedAt', r.started_at, 'finishedAt', r.finished_at, 'directory', r.directory, 'bytes', r.bytes,
                'files', r.files, 'serverVersion', r.server_version, 'failureReason', r.failure_reason, 'failureDetail', r.failure_detail,
                'log', null, 'retention', r.retention, 'timezone', coalesce(r.timezone, 'UTC'), 'method', r.method,
                'backupType', r.backup_type, 'format', r.format, 'pgDumpVersion', r.pg_dump_version, 'methodFacts', r.method_facts) as run
         from jsonb_to_recordset($2::jsonb) as t(definition text, store text)
         join pgbackops.backup_runs r on r.definition = t.definition
        where r.backup_server = $1 and r.status = 'succeeded'
          and not exists (select 1 from pgbackops.offsite_copies c where c.run_id = r.id and c.store = t.store)
        order by r.started_at`,
      [server, JSON.stringify(wanted)],
    ));
    return rows.map((row) => ({ store: row.store as string, run: row.run as RunRecord }));
  }

  /**
   * Claims the copies of a server that are due (pending, or failed and past their backoff), or only those of
   * `runIds`: marks them claimed by `executor` and counts the attempt. A copy claimed by a live process is left
   * to it; one whose claimer died (`isDead`) is taken over, so a copy interrupted by kill -9 is made by the next
   * maintain.
   */
  async claimDue(server: string, executor: string, isDead: (claimedBy: string) => boolean, options: { runIds?: readonly string[]; limit?: number } = {}): Promise<OffsiteCopy[]> {
    return this.withQuery(async (query) => {
      await query('begin');
      try {
        const candidates = await query(
          `select run_id::text, store, claimed_by, claimed_at < now() - interval '${STALE_FOREIGN_CLAIM}' as stale
             from pgbackops.offsite_copies
            where backup_server = $1 and state in ('pending', 'failed')
              and ($2::uuid[] is null and next_attempt_at <= now() or run_id = any($2::uuid[]))
            order by next_attempt_at, run_started_at
            limit $3
            for update skip locked`,
          [server, options.runIds ?? null, options.limit ?? 10_000],
        );
        const claimable = candidates.rows.filter((r) => r.claimed_by === null || r.stale === true || isDead(r.claimed_by as string));
        if (claimable.length === 0) {
          await query('commit');
          return [];
        }
        const claimed = await query(
          `update pgbackops.offsite_copies c set claimed_by = $1, claimed_at = now(), attempts = attempts + 1, updated_at = now()
             from jsonb_to_recordset($2::jsonb) as k(run_id uuid, store text)
            where c.run_id = k.run_id and c.store = k.store
            returning ${COLUMNS.split(',').map((c) => `c.${c.trim()}`).join(', ')}`,
          [executor, JSON.stringify(claimable.map((r) => ({ run_id: r.run_id, store: r.store })))],
        );
        await query('commit');
        return claimed.rows.map(copyRow).sort((a, b) => a.runStartedAt.getTime() - b.runStartedAt.getTime());
      } catch (err) {
        await query('rollback').catch(() => undefined);
        throw err;
      }
    });
  }

  /** The copy is complete: every object uploaded and verified, the marker written. */
  async markCopied(copy: Pick<OffsiteCopy, 'runId' | 'store'>, objects: readonly CopyObject[], verifiedBy: 'checksum' | 'read-back'): Promise<void> {
    await this.withQuery((query) => query(
      `update pgbackops.offsite_copies
          set state = 'copied', objects = $3::jsonb, bytes = $4, verified_by = $5, copied_at = now(), failure_reason = null,
              claimed_by = null, claimed_at = null, updated_at = now()
        where run_id = $1 and store = $2 and state in ('pending', 'failed')`,
      [copy.runId, copy.store, JSON.stringify(objects), objects.reduce((n, o) => n + o.bytes, 0), verifiedBy],
    ));
  }

  async markFailed(copy: Pick<OffsiteCopy, 'runId' | 'store'>, reason: string, retryInMs: number): Promise<void> {
    await this.withQuery((query) => query(
      `update pgbackops.offsite_copies
          set state = 'failed', failure_reason = $3, failed_at = now(), next_attempt_at = now() + $4 * interval '1 millisecond',
              claimed_by = null, claimed_at = null, updated_at = now()
        where run_id = $1 and store = $2 and state in ('pending', 'failed')`,
      [copy.runId, copy.store, reason, retryInMs],
    ));
  }

  /** Copies of a server that remote retention judges (expired ones are history), per store, definition, database. */
  async retentionCopies(server: string): Promise<OffsiteCopy[]> {
    const { rows } = await this.withQuery((query) => query(
      `select ${COLUMNS} from pgbackops.offsite_copies where backup_server = $1 and state <> 'expired'
        order by store, definition, database nulls first, run_started_at desc`,
      [server],
    ));
    return rows.map(copyRow);
  }

  /** Tombstones: copies whose objects are about to be removed. Returns those marked (with their objects). */
  async markExpiring(keys: ReadonlyArray<{ runId: string; store: string }>): Promise<OffsiteCopy[]> {
    if (keys.length === 0) return [];
    const { rows } = await this.withQuery((query) => query(
      `update pgbackops.offsite_copies c set state = 'expiring', updated_at = now()
         from jsonb_to_recordset($1::jsonb) as k(run_id uuid, store text)
        where c.run_id = k.run_id and c.store = k.store and c.state in ('copied', 'failed', 'pending', 'expiring')
        returning ${COLUMNS.split(',').map((c) => `c.${c.trim()}`).join(', ')}`,
      [JSON.stringify(keys.map((k) => ({ run_id: k.runId, store: k.store })))],
    ));
    return rows.map(copyRow);
  }

  async markExpired(copy: Pick<OffsiteCopy, 'runId' | 'store'>): Promise<void> {
    await this.withQuery((query) => query(
      `update pgbackops.offsite_copies set state = 'expired', expired_at = now(), updated_at = now()
        where run_id = $1 and store = $2 and state = 'expiring'`,
      [copy.runId, copy.store],
    ));
  }

  /** Every copy of these runs (reports: where each backup lives). */
  async copiesOf(runIds: readonly string[]): Promise<OffsiteCopy[]> {
    if (runIds.length === 0) return [];
    const { rows } = await this.withQuery((query) => query(
      `select ${COLUMNS} from pgbackops.offsite_copies where run_id = any($1::uuid[]) order by run_id, store`, [runIds]));
    return rows.map(copyRow);
  }

  /** The copies whose run id starts with `prefix` (the run row may be gone: local retention removed it). */
  async findCopies(prefix: string): Promise<OffsiteCopy[]> {
    const p = prefix.trim().toLowerCase();
    if (!/^[0-9a-f-]{4,36}$/.test(p)) return [];
    const { rows } = await this.withQuery((query) => query(
      `select ${COLUMNS} from pgbackops.offsite_copies where run_id::text like $1 || '%' order by run_started_at desc, store limit 50`, [p]));
    return rows.map(copyRow);
  }
}

function copyRow(row: Record<string, unknown>): OffsiteCopy {
  return {
    runId: row.run_id as string,
    store: row.store as string,
    backupServer: row.backup_server as string,
    definition: row.definition as string,
    node: row.node as string,
    database: row.database as string | null,
    runStartedAt: row.run_started_at as Date,
    state: row.state as CopyState,
    attempts: row.attempts as number,
    nextAttemptAt: row.next_attempt_at as Date,
    failureReason: row.failure_reason as string | null,
    keyPrefix: row.key_prefix as string,
    objects: row.objects as CopyObject[] | null,
    bytes: row.bytes === null ? null : Number(row.bytes),
    verifiedBy: row.verified_by as OffsiteCopy['verifiedBy'],
    run: row.run as RunRecord,
    retention: row.retention as RetentionSpec,
    timezone: row.timezone as string,
    copiedAt: row.copied_at as Date | null,
    failedAt: row.failed_at as Date | null,
    expiredAt: row.expired_at as Date | null,
  };
}
