// The maintain lock: at most one `pgbackops maintain` (or `prune`) works for a backup server at a time,
// whoever started it: the server's maintain line in cron, the daemon, an operator. Taken in the catalog rather
// than in a file, so it holds whatever user, state directory or machine each of them runs with.
//
// A session-level advisory lock on a dedicated connection for the whole maintain, keyed by the server name
// (hashtext, in a lock class of its own so it cannot meet the apply or migration locks). A process that dies
// ends its session, which releases the lock: nothing is left to clean up. Two server names with the same
// 32-bit hash would only serialise each other's maintains.
import type pg from 'pg';
import type { Query } from './migrations.js';
import { withPoolClient } from './pool-client.js';
import { PgbackopsError } from '../../core/errors.js';

/** "pbom" (pgbackops maintain) as a 32-bit integer: the first key of every maintain lock. */
export const MAINTAIN_LOCK_CLASS = 0x70626f6d;
const FIRST_POLL_MS = 50;
const MAX_POLL_MS = 500;

/** Another maintain of the same server holds the lock (and still held it when the wait ended). */
export class MaintainLockBusyError extends PgbackopsError {
  readonly code = 'E_MAINTAIN_BUSY';
  constructor(readonly server: string, holder: string | null, waitedMs: number) {
    super(
      `another maintain of backup server ${server} is running${holder ? ` (${holder})` : ''}` +
        (waitedMs > 0 ? `; waited ${waitedMs} ms for it to finish` : ''),
    );
  }
}

/** Runs fn holding the maintain lock of `server`; waits up to waitMs for it (0: one try), else throws MaintainLockBusyError. */
export async function withMaintainLock<T>(
  pool: pg.Pool,
  queryOn: (client: pg.PoolClient) => Query,
  server: string,
  waitMs: number,
  fn: () => Promise<T>,
): Promise<T> {
  return withPoolClient(pool, async (client, discard) => {
    const query = queryOn(client);
    if (!(await acquire(query, server, waitMs))) throw new MaintainLockBusyError(server, await holderOf(query, server), waitMs);
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      // Report fn's error; a session whose lock could not be released is destroyed, which releases it.
      await release(query, server).catch(discard);
      throw err;
    }
    await release(query, server).catch(discard);
    return result;
  });
}

async function acquire(query: Query, server: string, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  let delay = FIRST_POLL_MS;
  for (;;) {
    const { rows } = await query('select pg_try_advisory_lock($1, hashtext($2)) as ok', [MAINTAIN_LOCK_CLASS, server]);
    if ((rows[0] as { ok: boolean }).ok) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(1, deadline - Date.now()))));
    delay = Math.min(delay * 2, MAX_POLL_MS);
  }
}

async function release(query: Query, server: string): Promise<void> {
  await query('select pg_advisory_unlock($1, hashtext($2))', [MAINTAIN_LOCK_CLASS, server]);
}

/** Who holds the lock, in words, for the message: the holder's application name, client and backend pid. */
async function holderOf(query: Query, server: string): Promise<string | null> {
  try {
    const { rows } = await query(
      `select a.pid, a.application_name, host(a.client_addr) as client, a.backend_start
         from pg_locks l join pg_stat_activity a on a.pid = l.pid
        where l.locktype = 'advisory' and l.granted and l.objsubid = 2
          and l.classid = ($1::bigint & 4294967295)::oid and l.objid = (hashtext($2)::bigint & 4294967295)::oid
        limit 1`,
      [MAINTAIN_LOCK_CLASS, server],
    );
    const h = rows[0] as { pid: number; application_name: string; client: string | null } | undefined;
    return h ? `catalog session ${h.pid} of ${h.application_name || 'an unnamed client'}${h.client ? ` from ${h.client}` : ''}` : null;
  } catch {
    return null;
  }
}
