// Retention selection: which backups of one definition+database to keep and which expire, and why.
// Pure; the clock is passed in.
//
// Semantics (documented in docs/retention.md):
// - Only successful backups count and can be kept by a rule. Runs that are running, skipped or abandoned
//   are never touched here; failed runs (they hold only a log) expire once older than keepFailedFor.
// - Rules overlap, as in restic: each rule looks at all successful backups on its own and a backup is kept
//   if any rule keeps it; one backup can satisfy the daily, weekly and monthly rule at once.
// - keepLast N: the N newest. keepWithin D: every backup taken within D before the NEWEST successful
//   backup (not before "now": if backups stop, nothing ages out). keepDaily/Weekly/Monthly/Yearly N: the
//   newest backup of each of the last N days/ISO weeks/months/years that have a backup, in the
//   definition's timezone (so DST days are calendar days).
// - Safety: the newest successful backup is always kept; if the newest finished run failed, nothing
//   expires until a newer success exists; with no successful backup at all, nothing expires.
import type { RetentionSpec } from '../model.js';
import { parseDuration, subtractDuration } from '../time/duration.js';
import { bucketsOfDay, civilFromDays, isoWeekLabel, localDayNumber } from '../time/zoned-calendar.js';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'skipped' | 'abandoned' | 'expiring';

export interface RetentionCandidate {
  id: string;
  startedAt: number; // epoch ms
  status: RunStatus;
}

export interface RetentionDecision {
  id: string;
  keep: boolean;
  /** Why: the rules that keep it, or why it expires. */
  reasons: string[];
}

export const DEFAULT_KEEP_FAILED_FOR = '14d';

const FROZEN = 'the latest run failed: nothing expires until a newer backup succeeds';
const NOT_KEPT = 'no retention rule keeps it';

export function selectRetention(
  candidates: readonly RetentionCandidate[],
  policy: RetentionSpec,
  timeZone: string,
  now: number,
): RetentionDecision[] {
  const newestFirst = [...candidates].sort((a, b) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : -1));
  const successes = newestFirst.filter((c) => c.status === 'succeeded');
  const kept = new Map<string, string[]>();
  const keep = (id: string, reason: string) => {
    const list = kept.get(id);
    if (list) list.push(reason);
    else kept.set(id, [reason]);
  };

  if (successes.length > 0) {
    keep(successes[0]!.id, 'newest successful backup');
    if (policy.keepLast) successes.slice(0, policy.keepLast).forEach((c, i) => keep(c.id, `keepLast (${i + 1} of ${policy.keepLast})`));
    const within = policy.keepWithin ? parseDuration(policy.keepWithin) : null;
    if (within !== null) {
      const horizon = subtractDuration(successes[0]!.startedAt, within);
      for (const c of successes) if (c.startedAt >= horizon) keep(c.id, `keepWithin ${policy.keepWithin}`);
    }
    keepCalendarTiers(successes, policy, timeZone, keep);
  }

  const latestFinished = newestFirst.find((c) => c.status === 'succeeded' || c.status === 'failed');
  const frozen = latestFinished?.status === 'failed';
  const keepFailedFor = parseDuration(policy.keepFailedFor ?? DEFAULT_KEEP_FAILED_FOR);
  const failedHorizon = keepFailedFor ? subtractDuration(now, keepFailedFor) : now;

  return newestFirst.map((c): RetentionDecision => {
    switch (c.status) {
      case 'succeeded': {
        const reasons = kept.get(c.id);
        if (reasons) return { id: c.id, keep: true, reasons };
        if (frozen) return { id: c.id, keep: true, reasons: [FROZEN] };
        return { id: c.id, keep: false, reasons: [NOT_KEPT] };
      }
      case 'failed':
        return c.startedAt < failedHorizon
          ? { id: c.id, keep: false, reasons: [`failed run older than keepFailedFor ${policy.keepFailedFor ?? DEFAULT_KEEP_FAILED_FOR}`] }
          : { id: c.id, keep: true, reasons: [`failed run log kept for ${policy.keepFailedFor ?? DEFAULT_KEEP_FAILED_FOR}`] };
      case 'expiring':
        return { id: c.id, keep: false, reasons: ['already being expired (finishing an interrupted deletion)'] };
      default:
        return { id: c.id, keep: true, reasons: [`${c.status} runs are not subject to retention`] };
    }
  });
}

type Bucket = 'day' | 'week' | 'month' | 'year';

const TIERS: ReadonlyArray<[keyof RetentionSpec, Bucket]> = [
  ['keepDaily', 'day'],
  ['keepWeekly', 'week'],
  ['keepMonthly', 'month'],
  ['keepYearly', 'year'],
];

function keepCalendarTiers(
  successesNewestFirst: readonly RetentionCandidate[],
  policy: RetentionSpec,
  timeZone: string,
  keep: (id: string, reason: string) => void,
): void {
  const active = TIERS.filter(([rule]) => ((policy[rule] as number | undefined) ?? 0) > 0);
  if (active.length === 0) return;
  const days = successesNewestFirst.map((c) => localDayNumber(c.startedAt, timeZone));
  for (const [rule, bucket] of active) {
    const limit = policy[rule] as number;
    let lastKey: number | undefined;
    let taken = 0;
    for (let i = 0; i < successesNewestFirst.length && taken < limit; i++) {
      const key = bucketsOfDay(days[i]!)[bucket];
      if (key === lastKey) continue; // an older backup of a period already represented
      lastKey = key;
      taken++;
      keep(successesNewestFirst[i]!.id, tierReason(rule, bucket, key, days[i]!));
    }
  }
}

// A pass over a million backups keeps most of them through the same few thousand calendar periods: the
// reason text of each (rule, period) is built once.
const tierReasons = new Map<string, string>();

function tierReason(rule: string, bucket: Bucket, key: number, day: number): string {
  const cacheKey = `${rule}:${key}`;
  let reason = tierReasons.get(cacheKey);
  if (reason === undefined) {
    reason = `${rule} (${bucketLabel(bucket, day)})`;
    if (tierReasons.size > 100_000) tierReasons.clear();
    tierReasons.set(cacheKey, reason);
  }
  return reason;
}

function bucketLabel(bucket: Bucket, day: number): string {
  if (bucket === 'week') return isoWeekLabel(day);
  const { year, month, day: dom } = civilFromDays(day);
  const mm = String(month).padStart(2, '0');
  return bucket === 'day' ? `${year}-${mm}-${String(dom).padStart(2, '0')}` : bucket === 'month' ? `${year}-${mm}` : String(year);
}
