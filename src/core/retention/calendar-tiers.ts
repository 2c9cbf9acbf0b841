// keepDaily / keepWeekly / keepMonthly / keepYearly: the newest successful backup of each of the last N
// periods that have one, in the definition's timezone (a DST day is one calendar day of 23 or 25 hours).
// Each tier looks at all successful backups on its own (restic's overlapping rules).
import type { RetentionSpec } from '../model.js';
import { BUCKET_KEY, localDayOf, type CalendarBucket } from '../time/zoned-calendar.js';
import { KeptBy, markKept } from './verdicts.js';

export type TierRule = 'keepDaily' | 'keepWeekly' | 'keepMonthly' | 'keepYearly';

export const TIERS: ReadonlyArray<{ rule: TierRule; bucket: CalendarBucket }> = [
  { rule: 'keepDaily', bucket: 'day' },
  { rule: 'keepWeekly', bucket: 'week' },
  { rule: 'keepMonthly', bucket: 'month' },
  { rule: 'keepYearly', bucket: 'year' },
];

/**
 * Sets the tier bits in `keptBy` (per run index) of the successful backups the tiers keep.
 * `successes`: run indices of the successful backups, newest first; `startedAt`: per run index.
 */
export function keepCalendarTiers(
  successes: Uint32Array,
  startedAt: Float64Array,
  policy: RetentionSpec,
  timeZone: string,
  keptBy: Uint8Array,
): void {
  const active = TIERS.filter(({ rule }) => (policy[rule] ?? 0) > 0);
  if (active.length === 0) return;
  const dayOf = localDayOf(timeZone);
  const days = new Int32Array(successes.length);
  for (let s = 0; s < successes.length; s++) days[s] = dayOf(startedAt[successes[s]!]!);
  for (const { rule, bucket } of active) {
    const limit = policy[rule]!;
    const keyOf = BUCKET_KEY[bucket];
    const bit = KeptBy[rule];
    let lastKey = NaN;
    let taken = 0;
    for (let s = 0; s < successes.length && taken < limit; s++) {
      const key = keyOf(days[s]!);
      if (key === lastKey) continue; // an older backup of a period already represented
      lastKey = key;
      taken++;
      markKept(keptBy, successes[s]!, bit);
    }
  }
}
