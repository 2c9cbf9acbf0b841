// How long the supervisor waits before starting pg_receivewal again after it stopped: capped exponential
// backoff, so a node that is down is not hammered with connection attempts, and a receiver that ran for a
// while before it died (a network blip) is restarted at once rather than after the last long delay. Pure.

export interface BackoffPolicy {
  /** First delay after a failure. */
  initialMs: number;
  /** The cap. */
  maxMs: number;
  /** A run that lasted at least this long resets the sequence. */
  stableAfterMs: number;
}

export const RECEIVER_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 60_000, stableAfterMs: 60_000 };

/**
 * The failure count to carry after a run of `ranMs` that ended: a stable run counts as the first failure of a
 * new sequence.
 */
export function failuresAfterRun(previousFailures: number, ranMs: number, policy: BackoffPolicy = RECEIVER_BACKOFF): number {
  return ranMs >= policy.stableAfterMs ? 1 : previousFailures + 1;
}

/** The delay before the next start after `failures` consecutive failures (1 = the first). */
export function restartDelayMs(failures: number, policy: BackoffPolicy = RECEIVER_BACKOFF): number {
  if (failures <= 0) return 0;
  const exponent = Math.min(failures - 1, 30);
  return Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
}
