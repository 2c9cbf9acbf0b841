// The replication slot of a node's WAL archive, as the node sees it: where the node's WAL is, what the slot
// keeps (pg_current_wal_lsn() - restart_lsn, wal_status) and how far the receiver has flushed
// (pg_stat_replication of the slot's walsender); and dropping the slot once the archive is removed with consent
// (docs/operations.md, "The WAL archive"). The slot is created by pg_receivewal itself (wal-receiver.ts).
import pg from 'pg';
import type { NodeSpec } from '../../core/model.js';
import { nodeClientConfig } from '../../adapters/postgres/node-connection.js';

export interface SlotSample {
  /** The node's current WAL position (its replay position when it is a standby). */
  nodeLsn: string;
  slot: null | {
    restartLsn: string | null;
    walStatus: string | null;
    activePid: number | null;
    retainedBytes: number | null;
  };
  /** The flush position the receiver last reported, when its walsender is connected. */
  flushLsn: string | null;
}

const SAMPLE_SQL = `
  with here as (
    select case when pg_is_in_recovery() then pg_last_wal_replay_lsn() else pg_current_wal_lsn() end as lsn
  )
  select here.lsn::text as node_lsn,
         s.slot_name is not null as has_slot,
         s.restart_lsn::text as restart_lsn,
         s.wal_status,
         s.active_pid,
         pg_wal_lsn_diff(here.lsn, s.restart_lsn)::bigint as retained,
         r.flush_lsn::text as flush_lsn
    from here
    left join pg_replication_slots s on s.slot_name = $1
    left join pg_stat_replication r on r.pid = s.active_pid`;

export async function sampleSlot(client: pg.Client, slot: string): Promise<SlotSample> {
  const row = (await client.query(SAMPLE_SQL, [slot])).rows[0] as Record<string, unknown>;
  return {
    nodeLsn: row.node_lsn as string,
    slot: row.has_slot
      ? {
          restartLsn: (row.restart_lsn as string | null) ?? null,
          walStatus: (row.wal_status as string | null) ?? null,
          activePid: row.active_pid === null ? null : Number(row.active_pid),
          retainedBytes: row.retained === null ? null : Number(row.retained),
        }
      : null,
    flushLsn: (row.flush_lsn as string | null) ?? null,
  };
}

export function connectToNode(node: NodeSpec): Promise<pg.Client> {
  const client = new pg.Client(nodeClientConfig(node, node.maintenanceDatabase));
  // A node that goes away between samples must not crash the supervisor: the next sample reconnects.
  client.on('error', () => undefined);
  return client.connect().then(() => client);
}

export type SlotDropOutcome = 'dropped' | 'absent' | { inUseBy: number };

/**
 * Drops `slot` on the node unless a process is streaming from it: this pgbackops stopped its own receiver
 * first, so an active slot belongs to someone else, and pgbackops never cuts another consumer off.
 */
export async function dropSlot(node: NodeSpec, slot: string): Promise<SlotDropOutcome> {
  const client = await connectToNode(node);
  try {
    const row = (await client.query('select active_pid from pg_replication_slots where slot_name = $1', [slot])).rows[0] as { active_pid: number | null } | undefined;
    if (!row) return 'absent';
    if (row.active_pid !== null) return { inUseBy: Number(row.active_pid) };
    // Guarded again in the statement: a receiver that attached since the read keeps its slot.
    const dropped = await client.query(
      'select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1 and active_pid is null', [slot],
    );
    return dropped.rowCount === 1 ? 'dropped' : 'absent';
  } finally {
    await client.end().catch(() => undefined);
  }
}
