// Ending a PostgreSQL session without waiting for the server to close the connection. pg's client.end()
// sends Terminate and resolves only once the server has closed its side, which it does after its backend
// process has exited: 10-25 ms on the benchmark VM, spent by a job that has nothing left to ask (a scheduled
// run pays it for the node's version probe, its database list and, at exit, the catalog's session). The
// server ends the session on reading Terminate, whether or not this side waits; waiting changes nothing but
// this process's time. The socket is left to close on its own without holding the process alive.
import type pg from 'pg';

/** Sends Terminate; resolves at once. */
export function endSession(client: pg.Client): Promise<void> {
  const ended = client.end();
  ended.catch(() => undefined); // nothing to do about a session that broke while ending
  releaseSocket(client);
  return Promise.resolve();
}

/** The client's socket no longer keeps the process alive (its Terminate already sent or queued). */
export function releaseSocket(client: pg.Client): void {
  (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
}
