// When a failed delivery is tried again: exponential backoff from a base, capped, so that a receiver that
// is down for a day is asked a few dozen times, not thousands. Pure.

export interface BackoffPolicy {
  /** Delay after the first failure (ms). */
  baseMs: number;
  /** Longest delay (ms). */
  maxMs: number;
  /** Attempts after which delivery stops for good. */
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 30_000, maxMs: 3_600_000, maxAttempts: 50 };

/** Delay before the next attempt, after `attempts` failed attempts (1 = the first failed). */
export function retryDelayMs(policy: BackoffPolicy, attempts: number): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
}
