// The apply lock: at most one process applies configuration to the catalog at a time.
//
// A session-level advisory lock held on a dedicated connection for the whole apply, taken by polling
// pg_try_advisory_lock until the timeout (a blocking pg_advisory_lock could not be given up cleanly).
// The holder writes who it is into pgbackops.apply_locks so a waiter that times out can name it; the row is
// matched to the backend that really holds the lock in pg_locks, so a row left by a crashed holder is never
// reported.
// If the lock connection dies mid-apply the lock is gone; applyChanges' version check (catalog_state.version
// FOR UPDATE) still refuses a second applier working from the same catalog version.
// Releasing cannot fail in a way that matters: a session-level lock lives exactly as long as its session, so
// when the unlock cannot be sent (the connection died, after the apply committed, say) the connection is
// destroyed and the session's end releases the lock. The apply's own outcome stands.
import os from 'node:os';
import type pg from 'pg';
import { LockKey, PGBACKOPS_LOCK_CLASS } from './advisory-locks.js';
import { ApplyLockTimeoutError, type ApplyLockHolder } from './errors.js';
import type { Query } from './migrations.js';
import { withPoolClient } from './pool-client.js';

const LOCK_NAME = 'apply';
const FIRST_POLL_MS = 50;
const MAX_POLL_MS = 500;

export async function withApplyLock<T>(
  pool: pg.Pool,
  queryOn: (client: pg.PoolClient) => Query,
  actor: string,
  timeoutMs: number,
  fn: () => Promise<T>,
  /** Told when the release had to end the session (the connection was lost); for the log. */
  onReleasedBySessionEnd: (err: Error) => void = () => undefined,
): Promise<T> {
  // If this connection breaks, withPoolClient destroys it, and ending the session releases the lock.
  return withPoolClient(pool, async (client, discard) => {
    const query = queryOn(client);
    if (!(await acquire(query, timeoutMs))) throw new ApplyLockTimeoutError(timeoutMs, await currentHolder(query));
    const release = async (): Promise<void> => {
      await query('delete from pgbackops.apply_locks where lock_name = $1 and backend_pid = pg_backend_pid()', [LOCK_NAME]);
      await query('select pg_advisory_unlock($1, $2)', [PGBACKOPS_LOCK_CLASS, LockKey.apply]);
    };
    let result: T;
    try {
      await query(
        `insert into pgbackops.apply_locks (lock_name, actor, pid, host, backend_pid, acquired_at)
         values ($1, $2, $3, $4, pg_backend_pid(), now())
         on conflict (lock_name) do update
           set actor = excluded.actor, pid = excluded.pid, host = excluded.host,
               backend_pid = excluded.backend_pid, acquired_at = excluded.acquired_at`,
        [LOCK_NAME, actor, process.pid, os.hostname()],
      );
      result = await fn();
    } catch (err) {
      // Report fn's error, not a cleanup failure; a session we could not clean is destroyed (lock released).
      await release().catch(discard);
      throw err;
    }
    await release().catch((err: unknown) => {
      discard();
      onReleasedBySessionEnd(err as Error);
    });
    return result;
  });
}

async function acquire(query: Query, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let wait = FIRST_POLL_MS;
  for (;;) {
    const result = await query('select pg_try_advisory_lock($1, $2) as locked', [PGBACKOPS_LOCK_CLASS, LockKey.apply]);
    if (result.rows[0].locked) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(wait, left)));
    wait = Math.min(wait * 2, MAX_POLL_MS);
  }
}

/** The session holding the apply lock in this database, with its holder record when it wrote one. */
async function currentHolder(query: Query): Promise<ApplyLockHolder | null> {
  const result = await query(
    `select l.pid as backend_pid, a.application_name, a.backend_start,
            h.actor, h.pid as holder_pid, h.host, h.acquired_at
       from pg_locks l
       left join pg_stat_activity a on a.pid = l.pid
       left join pgbackops.apply_locks h on h.lock_name = $3 and h.backend_pid = l.pid
      where l.locktype = 'advisory' and l.granted
        and l.database = (select oid from pg_database where datname = current_database())
        and l.classid::bigint = $1 and l.objid::bigint = $2 and l.objsubid = 2
      limit 1`,
    [PGBACKOPS_LOCK_CLASS, LockKey.apply, LOCK_NAME],
  );
  const row = result.rows[0];
  if (!row) return null;
  if (row.actor !== null) {
    return { actor: row.actor, pid: row.holder_pid, host: row.host, since: row.acquired_at, backendPid: row.backend_pid };
  }
  return { backendPid: row.backend_pid, applicationName: row.application_name ?? undefined, since: row.backend_start ?? undefined };
}
