// The words for a retention decision: the rules that keep a backup, or why it expires. Computed from the
// selection's codes only for the decisions that are shown, so a pass over a million backups that prints the
// few thousand expiring ones formats only those.
import { addDuration, parseDuration } from '../time/duration.js';
import { isoTimestamp } from '../time/iso-timestamp.js';
import { BUCKET_KEY, bucketLabel, localDayOf } from '../time/zoned-calendar.js';
import { TIERS, type TierRule } from './calendar-tiers.js';
import { RUN_STATUSES, STATUS_CODE } from './run-columns.js';
import { DEFAULT_KEEP_FAILED_FOR } from './select.js';
import { KeptBy, Verdict, type RetentionSelection } from './verdicts.js';

const FIXED_REASONS: Partial<Record<Verdict, string>> = {
  [Verdict.KeptFrozen]: 'the latest run failed or was abandoned: nothing expires until a newer backup succeeds',
  [Verdict.KeptLatestFailure]: 'latest finished run, failed: kept past keepFailedFor until a newer run finishes, as it holds back expiry',
  [Verdict.KeptRunning]: 'running',
  [Verdict.KeptNeededByKept]: 'a kept backup was taken against it (its prior in a pgBackRest chain): it stays as long as that one',
  [Verdict.ExpiredNotKept]: 'no retention rule keeps it',
  [Verdict.ExpiredFinishing]: 'already being expired (finishing an interrupted deletion)',
  [Verdict.ExpiredForced]: 'definition removed; --force expires all its backups',
};

/** Returns a function giving the reasons for the run at an index of the selection. */
export function explainer(selection: RetentionSelection): (index: number) => string[] {
  const { runs, policy, verdicts, keptBy } = selection;
  const keepFailedFor = policy?.keepFailedFor ?? DEFAULT_KEEP_FAILED_FOR;
  const dayOf = localDayOf(selection.timeZone);
  let ranks: Uint32Array | undefined; // position among the successful backups, newest first; built on first need

  const rulesKeeping = (index: number): string[] => {
    const bits = keptBy[index]!;
    const reasons: string[] = [];
    if (bits & KeptBy.newest) reasons.push('newest successful backup');
    if (bits & KeptBy.keepLast) {
      ranks ??= successRanks(selection);
      reasons.push(`keepLast (${ranks[index]! + 1} of ${policy!.keepLast})`);
    }
    if (bits & KeptBy.keepWithin) reasons.push(`keepWithin ${policy!.keepWithin}`);
    if (bits & TIER_BITS) {
      const day = dayOf(runs.startedAt[index]!);
      for (const tier of TIERS) if (bits & KeptBy[tier.rule]) reasons.push(tierReason(tier, day));
    }
    return reasons;
  };

  return (index) => {
    const verdict = verdicts[index]! as Verdict;
    switch (verdict) {
      case Verdict.KeptByRules:
        return rulesKeeping(index);
      case Verdict.KeptFailedLog:
        return [`failed run log kept for ${keepFailedFor}`];
      case Verdict.ExpiredFailedLog:
        return [`failed run older than keepFailedFor ${keepFailedFor}`];
      case Verdict.KeptNotSubject:
        return [`${RUN_STATUSES[runs.status[index]!]} runs are not subject to retention`];
      case Verdict.KeptSnapshotAge:
        return [`snapshot kept for ${policy!.expireAfter} after it was taken (until ${isoAfter(runs.startedAt[index]!, policy!.expireAfter!, selection.timeZone)})`];
      case Verdict.ExpiredSnapshotAge:
        return [`snapshot older than its keepFor ${policy!.expireAfter} (expired at ${isoAfter(runs.startedAt[index]!, policy!.expireAfter!, selection.timeZone)})`];
      default:
        return [FIXED_REASONS[verdict]!];
    }
  };
}

const TIER_BITS = KeptBy.keepDaily | KeptBy.keepWeekly | KeptBy.keepMonthly | KeptBy.keepYearly;

// Listing every decision of a million backups names the same few thousand calendar periods over and over
// (each definition has a backup on each day): the text of each (rule, period) is made once.
const tierReasons = new Map<TierRule, Map<number, string>>(TIERS.map(({ rule }) => [rule, new Map()]));

function tierReason({ rule, bucket }: (typeof TIERS)[number], day: number): string {
  const cache = tierReasons.get(rule)!;
  const key = BUCKET_KEY[bucket](day);
  let reason = cache.get(key);
  if (reason === undefined) {
    if (cache.size >= 100_000) cache.clear();
    reason = `${rule} (${bucketLabel(bucket, day)})`;
    cache.set(key, reason);
  }
  return reason;
}

function isoAfter(epochMs: number, duration: string, timeZone: string): string {
  const d = parseDuration(duration);
  return d ? isoTimestamp(addDuration(epochMs, d, timeZone)) : 'never';
}

function successRanks(selection: RetentionSelection): Uint32Array {
  const { runs, order } = selection;
  const ranks = new Uint32Array(runs.count);
  let rank = 0;
  for (let k = 0; k < order.length; k++) {
    if (runs.status[order[k]!] === STATUS_CODE.succeeded) ranks[order[k]!] = rank++;
  }
  return ranks;
}
