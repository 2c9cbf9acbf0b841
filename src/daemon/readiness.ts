// Whether this daemon is ready (/readyz, and `ready` in /status and on the status page), and why (not).
// Pure: it reads the daemon's status record, whose catalogConnected the caller has just refreshed.
//
// Ready means: the catalog is reachable, the first full pass has finished, no revision is refused and the
// latest full pass did what it may. A converge pass after NOTIFY does not count: it must not hide a bad
// revision. A revision applied with actions held back is ready (they wait for the operator's consent), and
// the answer says so.
import { heldBackHint } from '../core/plan/held-back.js';
import { passOk, type DaemonStatus } from './daemon-status.js';

export interface Readiness {
  ok: boolean;
  why: string;
}

export function readiness(status: DaemonStatus): Readiness {
  if (!status.catalogConnected) return { ok: false, why: 'catalog unreachable' };
  if (!status.lastFullPass) return { ok: false, why: 'first pass not finished' };
  if (status.rejected) return { ok: false, why: `revision ${status.rejected.revision} ${status.rejected.result}: ${status.rejected.error}` };
  if (!passOk(status.lastFullPass)) return { ok: false, why: `last pass ${status.lastFullPass.result}: ${status.lastFullPass.error ?? ''}` };
  const partially = status.heldBack.length > 0 ? ` applied with ${status.heldBack.length} action(s) held back (${heldBackHint(status.heldBack)})` : '';
  return { ok: true, why: `revision ${status.appliedRevision ?? 'none'}${partially}` };
}

/** readiness(status).ok, without composing the words. */
export function isReady(status: DaemonStatus): boolean {
  return status.catalogConnected && !status.rejected && passOk(status.lastFullPass);
}
