// What the daemon knows about itself, shown by /status and used by /readyz. Plain data, JSON as is.
import type { Diagnostic } from '../core/model.js';
import type { PassKind } from './trigger-queue.js';
import type { PassResult } from './metrics.js';

export interface PassRecord {
  id: string;
  kind: PassKind;
  reasons: string[];
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  result: PassResult;
  /** The revision this pass looked at (commit SHA for git, content hash for a directory). */
  revision: string | null;
  error: string | null;
  /** First diagnostics of an invalid revision. */
  diagnostics?: Diagnostic[];
  /** Deletes the apply left blocked, in words. */
  blockedDeletes: string[];
  driftCorrections: number;
}

export interface DaemonStatus {
  server: string;
  source: string;
  startedAt: string;
  /** Revision this daemon last applied (or found already applied). */
  appliedRevision: string | null;
  appliedAt: string | null;
  /**
   * Actions the applied revision holds back (deletes that need --prune), in words: while not empty, the
   * revision is applied only partially.
   */
  heldBack: string[];
  lastPass: PassRecord | null;
  /** The latest full pass: readiness looks at it (a converge after NOTIFY does not hide a bad revision). */
  lastFullPass: PassRecord | null;
  /** The revision currently refused (invalid, unverified or refused by the plan), with why. */
  rejected: { revision: string | null; result: PassResult; error: string; since: string; diagnostics?: Diagnostic[] } | null;
  catalogConnected: boolean;
  driftCorrections: number;
}

/** The pass did what it may: a held-back action waits for the operator's consent, it is no failure. */
export function passOk(pass: PassRecord | null): boolean {
  return pass !== null && (pass.result === 'applied' || pass.result === 'held-back' || pass.result === 'unchanged' || pass.result === 'converged');
}
