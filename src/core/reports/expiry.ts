// When a backup will expire under the retention recorded with it, when that can be known in advance. Pure.
//
// Retention keeps backups by count and calendar rules relative to newer backups (src/core/retention), so the
// expiry of a successful backup kept by keepLast/keepDaily/... depends on backups not taken yet: unknown,
// reported as null. What is computable:
// - a failed run's log expires keepFailedFor after it started, at the earliest (the newest finished run of
//   its group is kept longer while it is the newest, src/core/retention/select.ts);
// - a snapshot's backup (expireAfter) expires exactly expireAfter after it started;
// - a successful backup under a policy of keepWithin alone expires keepWithin after it started, at the
//   earliest (keepWithin counts back from the newest backup: later if backups stop);
// - an expiring run is being removed now.
import type { RetentionSpec } from '../model.js';
import { DEFAULT_KEEP_FAILED_FOR } from '../retention/select.js';
import { addDuration, parseDuration } from '../time/duration.js';

export interface ExpiryInput {
  status: string;
  startedAt: number;
  retention: RetentionSpec | null;
  /** The timezone recorded with the run: calendar months are counted in it, as retention does. */
  timeZone: string;
}

export type Expiry = { kind: 'at'; at: number; earliest: boolean } | { kind: 'now' } | { kind: 'unknown' };

export function expiryOf(run: ExpiryInput): Expiry {
  if (run.status === 'expiring') return { kind: 'now' };
  const policy = run.retention;
  if (!policy) return { kind: 'unknown' };
  if (run.status === 'failed') {
    const d = parseDuration(policy.keepFailedFor ?? DEFAULT_KEEP_FAILED_FOR);
    return d === null ? { kind: 'unknown' } : { kind: 'at', at: addDuration(run.startedAt, d, run.timeZone), earliest: true };
  }
  if (run.status === 'succeeded' && policy.expireAfter !== undefined) {
    // A snapshot's backup: a fixed age, known exactly.
    const d = parseDuration(policy.expireAfter);
    return d === null ? { kind: 'unknown' } : { kind: 'at', at: addDuration(run.startedAt, d, run.timeZone), earliest: false };
  }
  if (run.status === 'succeeded') {
    const countRules = [policy.keepLast, policy.keepDaily, policy.keepWeekly, policy.keepMonthly, policy.keepYearly].some((n) => (n ?? 0) > 0);
    const within = policy.keepWithin ? parseDuration(policy.keepWithin) : null;
    if (!countRules && within !== null) return { kind: 'at', at: addDuration(run.startedAt, within, run.timeZone), earliest: true };
  }
  return { kind: 'unknown' };
}
