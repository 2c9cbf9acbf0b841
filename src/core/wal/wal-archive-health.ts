// Whether a node's WAL archive is healthy, from what its receiver last reported (the wal_receivers row) and the
// node's walArchive setting: the reasons a DBA is alerted for are a receiver that is not running (stopped,
// restarting after failures, or silent: no heartbeat) and a slot that keeps too much WAL on the node, the
// classic slot that fills a node's disk (docs/operations.md). Pure.
import type { WalArchiveSpec } from '../model.js';

/** What a receiver reports at every heartbeat (catalog table wal_receivers). */
export interface WalReceiverReport {
  node: string;
  server: string;
  slot: string;
  state: 'running' | 'restarting' | 'stopped';
  receiverPid: number | null;
  startedAt: number;
  heartbeatAt: number;
  restarts: number;
  lastError: string | null;
  lastErrorAt: number | null;
  nodeLsn: string | null;
  receivedLsn: string | null;
  receivedAt: number | null;
  lagBytes: number | null;
  lagSeconds: number | null;
  slotRetainedBytes: number | null;
  slotWalStatus: string | null;
}

/** How often a supervisor reports; a report older than HEARTBEAT_STALE_MS means no supervisor is alive. */
export const HEARTBEAT_INTERVAL_MS = 5_000;
export const HEARTBEAT_STALE_MS = 30_000;

export type WalArchiveState = 'running' | 'restarting' | 'stopped' | 'disabled';

export interface WalArchiveHealth {
  node: string;
  slot: string;
  state: WalArchiveState;
  failing: boolean;
  /** Why it is failing, in words (empty when healthy). */
  reasons: string[];
  report: WalReceiverReport | null;
}

export function walArchiveHealth(node: string, spec: WalArchiveSpec, report: WalReceiverReport | null, nowMs: number): WalArchiveHealth {
  if (!spec.enabled) return { node, slot: spec.slot, state: 'disabled', failing: false, reasons: [], report };
  const reasons: string[] = [];
  let state: WalArchiveState;
  if (report === null) {
    state = 'stopped';
    reasons.push('no WAL receiver has reported: start the daemon on the archiving server, or `pgbackops wal-receive --node ' + node + '`');
  } else if (nowMs - report.heartbeatAt > HEARTBEAT_STALE_MS) {
    state = 'stopped';
    reasons.push(`the WAL receiver has not reported since ${new Date(report.heartbeatAt).toISOString()} (its supervisor is not running)`);
  } else {
    state = report.state;
    if (state !== 'running') {
      const error = report.lastError ? `: ${report.lastError}` : '';
      reasons.push(`the WAL receiver is ${state}${error}`);
    }
  }
  if (report !== null) {
    if (spec.maxSlotRetainedBytes !== undefined && report.slotRetainedBytes !== null && report.slotRetainedBytes > spec.maxSlotRetainedBytes) {
      reasons.push(`slot ${report.slot} keeps ${report.slotRetainedBytes} bytes of WAL on the node, above maxSlotRetainedBytes (${spec.maxSlotRetainedBytes})`);
    }
    if (report.slotWalStatus === 'lost' || report.slotWalStatus === 'unreserved') {
      reasons.push(`slot ${report.slot} wal_status is ${report.slotWalStatus}: the node ${report.slotWalStatus === 'lost' ? 'removed' : 'is about to remove'} WAL the archive has not received (max_slot_wal_keep_size)`);
    }
  }
  return { node, slot: spec.slot, state, failing: reasons.length > 0, reasons, report };
}

/**
 * Seconds the archive is behind: 0 when it has flushed everything the node wrote, else the time since it last
 * had (or since the receiver started, when it never has). Null when the node's position is unknown.
 */
export function lagSecondsOf(nodeLsn: bigint | null, receivedLsn: bigint | null, caughtUpAtMs: number | null, sinceMs: number, nowMs: number): number | null {
  if (nodeLsn === null) return null;
  if (receivedLsn !== null && receivedLsn >= nodeLsn) return 0;
  return Math.max(0, (nowMs - (caughtUpAtMs ?? sinceMs)) / 1000);
}

/** What `status --json` and the daemon's /status show of an archive: state, health and why, the receiver's figures. */
export interface WalArchiveStatus {
  node: string;
  slot: string;
  state: WalArchiveState;
  health: 'OK' | 'Failing' | 'Disabled';
  reasons: string[];
  server: string | null;
  receiver_pid: number | null;
  restarts: number | null;
  last_error: string | null;
  last_error_at: string | null;
  node_lsn: string | null;
  received_lsn: string | null;
  received_at: string | null;
  lag_bytes: number | null;
  lag_seconds: number | null;
  slot_retained_bytes: number | null;
  slot_wal_status: string | null;
  reported_at: string | null;
}

export function walArchiveStatus(h: WalArchiveHealth): WalArchiveStatus {
  const r = h.report;
  const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
  return {
    node: h.node, slot: h.slot, state: h.state, health: h.failing ? 'Failing' : h.state === 'disabled' ? 'Disabled' : 'OK', reasons: h.reasons,
    server: r?.server ?? null, receiver_pid: r?.receiverPid ?? null, restarts: r?.restarts ?? null, last_error: r?.lastError ?? null,
    last_error_at: iso(r?.lastErrorAt), node_lsn: r?.nodeLsn ?? null, received_lsn: r?.receivedLsn ?? null, received_at: iso(r?.receivedAt),
    lag_bytes: r?.lagBytes ?? null, lag_seconds: r?.lagSeconds ?? null, slot_retained_bytes: r?.slotRetainedBytes ?? null,
    slot_wal_status: r?.slotWalStatus ?? null, reported_at: iso(r?.heartbeatAt),
  };
}
