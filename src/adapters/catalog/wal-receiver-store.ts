// WAL receiver reports (pgbackops.wal_receivers, migration 018): replaced at every heartbeat by the supervisor of
// a node's pg_receivewal (`pgbackops wal-receive`), read by status, check-status and the daemon's /status and
// /metrics (src/core/wal/wal-archive-health.ts judges them).
import type { WalReceiverReport } from '../../core/wal/wal-archive-health.js';
import type { Query } from './migrations.js';

type WithQuery = <T>(fn: (query: Query) => Promise<T>) => Promise<T>;

const COLUMNS = [
  'node', 'server', 'slot', 'state', 'supervisor_pid', 'supervisor_host', 'receiver_pid', 'started_at', 'heartbeat_at', 'restarts',
  'last_error', 'last_error_at', 'node_lsn', 'received_lsn', 'received_at', 'lag_bytes', 'lag_seconds', 'slot_retained_bytes',
  'slot_wal_status', 'sampled_at',
] as const;

export class WalReceiverStore {
  constructor(private readonly withQuery: WithQuery) {}

  async report(r: WalReceiverReport, supervisor: { pid: number; host: string }): Promise<void> {
    const ts = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    const values = [
      r.node, r.server, r.slot, r.state, supervisor.pid, supervisor.host, r.receiverPid, ts(r.startedAt), ts(r.heartbeatAt), r.restarts,
      r.lastError, ts(r.lastErrorAt), r.nodeLsn, r.receivedLsn, ts(r.receivedAt), r.lagBytes, r.lagSeconds, r.slotRetainedBytes,
      r.slotWalStatus, ts(r.heartbeatAt),
    ];
    const placeholders = values.map((_, i) => `$${i + 1}`).join(', ');
    const updates = COLUMNS.filter((c) => c !== 'node').map((c) => `${c} = excluded.${c}`).join(', ');
    await this.withQuery((query) => query(
      `insert into pgbackops.wal_receivers (${COLUMNS.join(', ')}) values (${placeholders})
       on conflict (node) do update set ${updates}`,
      values,
    ));
  }

  /** The node's archive is gone from this server: its report would otherwise say "stopped" forever. */
  async forget(node: string, server: string): Promise<void> {
    await this.withQuery((query) => query('delete from pgbackops.wal_receivers where node = $1 and server = $2', [node, server]));
  }

  async list(server?: string): Promise<WalReceiverReport[]> {
    return this.withQuery(async (query) => {
      const result = await query(
        `select ${COLUMNS.join(', ')} from pgbackops.wal_receivers ${server === undefined ? '' : 'where server = $1'} order by node`,
        server === undefined ? [] : [server],
      );
      return (result.rows as Record<string, unknown>[]).map(reportOfRow);
    });
  }
}

function reportOfRow(row: Record<string, unknown>): WalReceiverReport {
  const ms = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string | Date).getTime());
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    node: row.node as string, server: row.server as string, slot: row.slot as string, state: row.state as WalReceiverReport['state'],
    receiverPid: num(row.receiver_pid), startedAt: ms(row.started_at)!, heartbeatAt: ms(row.heartbeat_at)!, restarts: Number(row.restarts),
    lastError: (row.last_error as string | null) ?? null, lastErrorAt: ms(row.last_error_at),
    nodeLsn: (row.node_lsn as string | null) ?? null, receivedLsn: (row.received_lsn as string | null) ?? null, receivedAt: ms(row.received_at),
    lagBytes: num(row.lag_bytes), lagSeconds: num(row.lag_seconds), slotRetainedBytes: num(row.slot_retained_bytes),
    slotWalStatus: (row.slot_wal_status as string | null) ?? null,
  };
}
