// Status of one-off jobs (pgbackops.snapshots, pgbackops.restores; see migrations/004_one_off_jobs.sql):
// claiming due jobs exactly once across any number of executors, and recording their outcome.
import type { OneOffKind, SpecByKind } from '../../core/model.js';
import type { Query } from './migrations.js';

type WithQuery = <T>(fn: (query: Query) => Promise<T>) => Promise<T>;

export type OneOffState = 'pending' | 'running' | 'succeeded' | 'failed' | 'missed';

interface OneOffRowOf<K extends OneOffKind> {
  kind: K;
  name: string;
  spec: SpecByKind[K];
  state: OneOffState;
  attemptId: string | null;
  claimedBy: string | null;
  claimedAt: Date | null;
  finishedAt: Date | null;
  message: string | null;
  result: Record<string, unknown> | null;
  /** When the object was first applied: the due time of a job without `at`. */
  createdAt: Date;
}

/** A Snapshot's or a Restore's row: checking `kind` types `spec`. */
export type OneOffRow = OneOffRowOf<'Snapshot'> | OneOffRowOf<'Restore'>;

export type ClaimedOneOff<K extends OneOffKind = OneOffKind> = Extract<OneOffRow, { kind: K }> & {
  attemptId: string;
  claimedAt: Date;
};

export interface OneOffOutcome {
  state: 'succeeded' | 'failed' | 'missed';
  message: string;
  result: Record<string, unknown>;
}

const TABLE: Record<OneOffKind, string> = { Snapshot: 'pgbackops.snapshots', Restore: 'pgbackops.restores' };

/**
 * The backup server that runs each job. A Snapshot runs where its node is backed up. A Restore runs where
 * its backup's files are: the named run's server, or the server of the newest successful run of `latestOf`.
 * A Restore whose backup cannot be found has no server: any executor may claim it, to fail it with a reason
 * rather than leave it pending forever.
 */
/**
 * A Restore's `from.backup` as a uuid (null when it is not one): compared as uuid, the run is found by its
 * primary key; compared as text (`r.id::text = ...`), every run was read to find it.
 */
const BACKUP_ID_OF_RESTORE = `case when j.spec -> 'from' ->> 'backup' ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
      then (j.spec -> 'from' ->> 'backup')::uuid end`;

const SERVER_OF: Record<OneOffKind, string> = {
  Snapshot: `(select n.backup_server from pgbackops.nodes n where n.name = j.node)`,
  Restore: `coalesce(
      (select r.backup_server from pgbackops.backup_runs r where r.id = ${BACKUP_ID_OF_RESTORE}),
      (select r.backup_server from pgbackops.backup_runs r
        where r.definition = j.spec -> 'from' ->> 'latestOf' and r.status = 'succeeded'
          and (j.spec -> 'from' ->> 'database' is null or r.database = j.spec -> 'from' ->> 'database')
        order by r.started_at desc limit 1))`,
};

/**
 * Besides being due, what a job waits for: a Restore of the latest backup of a Snapshot that is due or
 * running waits for that snapshot, so that it restores the snapshot rather than fail for want of a backup
 * (or restore an older one) when both are due together and several executors race.
 */
const WAITS_FOR: Record<OneOffKind, string> = {
  Snapshot: 'true',
  Restore: `not exists (
      select 1 from pgbackops.snapshots s
       where s.name = j.spec -> 'from' ->> 'latestOf'
         and (s.state = 'running' or (s.state = 'pending' and coalesce((s.spec ->> 'at')::timestamptz, s.created_at) <= now())))`,
};

const RETURNING = `j.name, j.spec, j.state, j.attempt_id, j.claimed_by, j.claimed_at, j.finished_at, j.message, j.result, j.created_at`;

export class OneOffStore {
  constructor(private readonly withQuery: WithQuery) {}

  /**
   * Moves the jobs of `server` that are due (at <= now, or no `at`) from pending to running under a fresh
   * attempt id and returns them. Rows another executor is claiming right now are skipped, not waited for;
   * a row claimed and committed meanwhile no longer matches `state = 'pending'` when re-checked.
   */
  async claimDue(kind: OneOffKind, server: string, claimant: string, limit = 10): Promise<ClaimedOneOff[]> {
    const table = TABLE[kind];
    const sql = `
      with due as (
        select j.name from ${table} j
         where j.state = 'pending'
           and coalesce((j.spec ->> 'at')::timestamptz, j.created_at) <= now()
           and coalesce(${SERVER_OF[kind]}, $1) = $1
           and ${WAITS_FOR[kind]}
         order by coalesce((j.spec ->> 'at')::timestamptz, j.created_at), j.name
         limit $3
           for update of j skip locked)
      update ${table} j
         set state = 'running', attempt_id = gen_random_uuid(), claimed_by = $2, claimed_at = now(),
             finished_at = null, message = null, result = null
        from due where j.name = due.name
      returning ${RETURNING}`;
    const rows = await this.withQuery((query) => query(sql, [server, claimant, limit]));
    return rows.rows.map((r) => toRow(kind, r) as ClaimedOneOff);
  }

  /**
   * When the next pending job of `server` is (or was) due, counting only those that could be claimed now or
   * once their time comes; null when there is none. The daemon sleeps until then.
   */
  async nextDue(server: string): Promise<Date | null> {
    const parts = (['Snapshot', 'Restore'] as const).map((kind) => `
      select min(coalesce((j.spec ->> 'at')::timestamptz, j.created_at)) as due from ${TABLE[kind]} j
       where j.state = 'pending' and coalesce(${SERVER_OF[kind]}, $1) = $1 and ${WAITS_FOR[kind]}`);
    const rows = await this.withQuery((query) => query(`select min(due) as due from (${parts.join(' union all ')}) d`, [server]));
    return (rows.rows[0]?.due as Date | null) ?? null;
  }

  /**
   * Records the outcome of an attempt. Only the attempt that claimed the row may: false when the row was
   * removed, or re-claimed after a sweep judged this attempt dead.
   */
  async finish(kind: OneOffKind, name: string, attemptId: string, outcome: OneOffOutcome): Promise<boolean> {
    const result = await this.withQuery((query) => query(
      `update ${TABLE[kind]} set state = $3, message = $4, result = $5, finished_at = now()
        where name = $1 and attempt_id = $2`,
      [name, attemptId, outcome.state, outcome.message, JSON.stringify(outcome.result)],
    ));
    return result.rowCount === 1;
  }

  /** Jobs left `running` by executors whose claim starts with `claimantPrefix` (this host). */
  async runningClaimedBy(kind: OneOffKind, claimantPrefix: string): Promise<ClaimedOneOff[]> {
    const rows = await this.withQuery((query) => query(
      `select ${RETURNING} from ${TABLE[kind]} j where j.state = 'running' and starts_with(j.claimed_by, $1)`,
      [claimantPrefix],
    ));
    return rows.rows.map((r) => toRow(kind, r) as ClaimedOneOff);
  }

  /** Every one-off job with its status, for reports. */
  async list(): Promise<OneOffRow[]> {
    const out: OneOffRow[] = [];
    for (const kind of ['Snapshot', 'Restore'] as const) {
      const rows = await this.withQuery((query) => query(`select ${RETURNING} from ${TABLE[kind]} j order by j.name collate "C"`));
      out.push(...rows.rows.map((r) => toRow(kind, r)));
    }
    return out;
  }
}

function toRow(kind: OneOffKind, r: Record<string, unknown>): OneOffRow {
  // The spec column of a kind's table holds that kind's normalised spec (written by apply, validated first).
  return {
    kind,
    name: r.name as string,
    spec: r.spec,
    state: r.state as OneOffState,
    attemptId: (r.attempt_id as string | null) ?? null,
    claimedBy: (r.claimed_by as string | null) ?? null,
    claimedAt: (r.claimed_at as Date | null) ?? null,
    finishedAt: (r.finished_at as Date | null) ?? null,
    message: (r.message as string | null) ?? null,
    result: (r.result as Record<string, unknown> | null) ?? null,
    createdAt: r.created_at as Date,
  } as OneOffRow;
}
