// The daemon's own catalog session: one dedicated connection (not from the pool) that
// - holds the per-server daemon lock, a session advisory lock keyed on the server name, so that a second
//   daemon for the same backup server refuses to start, on this host or any other that shares the catalog
//   (a lock file in the state directory would miss a second host, and would need stale-pid handling that
//   the database session gives for free: the lock ends with the process or its connection);
// - LISTENs on the apply channel, to converge this server's schedule when another daemon applied;
// - runs the daemon's small read queries (run statistics for /metrics and /status).
// If the connection drops, it reconnects with backoff, takes the lock again and re-LISTENs; notifications
// missed meanwhile are covered by a converge pass right after reconnecting. If another daemon took the lock
// in between, this one must stop (onLockLost).
import pg from 'pg';
import { APPLY_NOTIFY_CHANNEL } from '../adapters/catalog/catalog.js';
import type { Logger } from '../adapters/logger.js';
import { PgbackopsError } from '../core/errors.js';

/** First key of the daemon lock ("pbod"), distinct from the catalog's own lock class, so no collision. */
export const DAEMON_LOCK_CLASS = 0x70626f64;
const RECONNECT_FIRST_MS = 500;
const RECONNECT_MAX_MS = 30_000;

export class DaemonAlreadyRunningError extends PgbackopsError {
  readonly code = 'E_DAEMON_RUNNING';
}

export interface DaemonConnectionEvents {
  /** A NOTIFY on the apply channel (payload: the new catalog version), or 'reconnected'. */
  onWake(payload: string): void;
  onLockLost(holder: string): void;
}

export class DaemonConnection {
  private client: pg.Client | null = null;
  private closing = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private failures = 0;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly server: string,
    private readonly logger: Logger,
    private readonly events: DaemonConnectionEvents,
  ) {}

  get connected(): boolean {
    return this.client !== null;
  }

  /** Connects, takes the server lock (DaemonAlreadyRunningError if held) and listens. */
  async start(): Promise<void> {
    await this.connect();
  }

  async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    if (!this.client) throw new Error('the catalog connection is down');
    return (await this.client.query<R>(sql, params)).rows;
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = null;
    // Ending the session releases the advisory lock.
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ ...this.config, application_name: `pgbackops daemon ${this.server}` });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    await client.connect();
    try {
      const got = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as ok', [DAEMON_LOCK_CLASS, lockName(this.server)]);
      if (!got.rows[0]?.ok) throw new DaemonAlreadyRunningError(`another pgbackops daemon already runs for backup server ${this.server}: ${await holderOf(client, this.server)}`);
      client.on('notification', (msg) => {
        if (msg.channel === APPLY_NOTIFY_CHANNEL) this.events.onWake(msg.payload ?? '');
      });
      await client.query(`listen ${APPLY_NOTIFY_CHANNEL}`);
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw err;
    }
    this.client = client;
    this.failures = 0;
  }

  private lost(client: pg.Client, err: Error): void {
    if (this.client !== client || this.closing) return;
    this.client = null;
    this.logger.warn({ err: err.message }, 'catalog connection of the daemon lost; reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** this.failures);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.closing) return;
      this.connect().then(
        () => {
          this.logger.info('catalog connection of the daemon restored');
          this.events.onWake('reconnected');
        },
        (err: Error) => {
          if (err instanceof DaemonAlreadyRunningError) {
            this.events.onLockLost(err.message);
            return;
          }
          this.failures++;
          this.logger.warn({ err: err.message, retryInMs: Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** this.failures) }, 'catalog still unreachable');
          this.scheduleReconnect();
        },
      );
    }, delay);
    this.reconnectTimer.unref();
  }
}

function lockName(server: string): string {
  return `daemon:${server}`;
}

/** Who holds the daemon lock of `server`, in words, from pg_locks and pg_stat_activity. */
async function holderOf(client: pg.Client, server: string): Promise<string> {
  const rows = await client.query<{ pid: number; application_name: string; client_addr: string | null; backend_start: Date }>(
    `select a.pid, a.application_name, host(a.client_addr) as client_addr, a.backend_start
       from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted and l.objsubid = 2
        and l.classid::bigint = $1 and l.objid::bigint = (hashtext($2)::bigint & 4294967295)`,
    [DAEMON_LOCK_CLASS, lockName(server)],
  ).catch(() => ({ rows: [] }));
  const h = rows.rows[0];
  if (!h) return 'the holder could not be identified';
  return `catalog backend ${h.pid} (${h.application_name}) from ${h.client_addr ?? 'a local socket'} since ${h.backend_start.toISOString()}`;
}
