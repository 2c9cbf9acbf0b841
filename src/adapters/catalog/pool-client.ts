// Borrowing one connection from the pool for a unit of work, safely.
//
// Two pg behaviours make the naive `pool.connect()` / `release()` unsafe for a daemon:
// - a checked-out client has no 'error' listener (pg-pool only listens while it is idle), and pg emits
//   'error' when the server goes away mid-query: unhandled, that event kills the process. We listen for it;
//   the failing query rejects on its own.
// - a connection that failed at the protocol level, or whose transaction state is unknown, must not go back
//   to the pool: it is destroyed instead, which also ends its session and any session lock it held.
import type pg from 'pg';
import { CatalogIntegrityError, StaleCatalogError } from './errors.js';

/**
 * Runs fn with a pooled client. fn may call `discard()` to have the connection destroyed rather than returned,
 * when it knows the session holds state it could not clean up (a lock it failed to release).
 */
export async function withPoolClient<T>(pool: pg.Pool, fn: (client: pg.PoolClient, discard: () => void) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  const onError = (): void => {
    broken = true;
  };
  client.on('error', onError);
  try {
    return await fn(client, onError);
  } catch (err) {
    if (!leavesConnectionUsable(err)) broken = true;
    throw err;
  } finally {
    client.removeListener('error', onError);
    client.release(broken ? true : undefined);
  }
}

/**
 * True for errors that say the session is gone (the server ended it, or the connection broke) rather than
 * that a statement failed. pg reports a broken socket without an SQLSTATE: a system error code (EPIPE,
 * ECONNRESET, ...) or one of its own "Connection terminated" / "not queryable" messages.
 */
export function isConnectionLoss(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (/^(08|57P)/.test(code)) return true;
  if (/^E[A-Z]+$/.test(code)) return true;
  return typeof e?.message === 'string' && /^(Connection terminated|Client has encountered a connection error|Client was closed)/.test(e.message);
}

/**
 * True for errors after which the connection is known to be idle and healthy: our own refusals (raised after
 * a rollback) and SQL errors reported by the server, other than connection and shutdown errors.
 */
function leavesConnectionUsable(err: unknown): boolean {
  if (err instanceof StaleCatalogError || err instanceof CatalogIntegrityError) return true;
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^(08|57P)/.test(code);
}
