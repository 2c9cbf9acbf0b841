// Durations in retention rules and timeouts: "30m", "36h", "7d", "2w", "6mo", "1y", or combinations
// written largest unit first ("1d12h"). Months and years are calendar units, so they are kept apart from
// the fixed-length part: retention applies them with calendar arithmetic in the definition's timezone.

import { zoneOffsetOf } from './zoned-calendar.js';

export interface Duration {
  /** Calendar months (1y = 12). */
  months: number;
  /** The fixed-length part in milliseconds (m, h, d, w). */
  milliseconds: number;
}

export const DURATION_RULE =
  'a whole number followed by a unit — m (minutes), h, d, w, mo (months), y — or several written largest unit first, e.g. 30m, 36h, 7d, 2w, 6mo, 1y, 1d12h';

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)mo)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/;

const MINUTE = 60_000;
// Bounds far beyond any real retention, so that arithmetic on durations stays exact.
const MAX_MONTHS = 12 * 1000;
const MAX_MILLISECONDS = 1000 * 366 * 24 * 60 * MINUTE;

/** The parsed duration, or null if the text is not a valid, non-zero duration. */
export function parseDuration(text: string): Duration | null {
  const m = DURATION_RE.exec(text);
  if (!m || text === '') return null;
  const [y, mo, w, d, h, min] = m.slice(1).map((part) => (part === undefined ? 0 : Number(part)));
  const duration = {
    months: y! * 12 + mo!,
    milliseconds: ((w! * 7 + d!) * 24 * 60 + h! * 60 + min!) * MINUTE,
  };
  if (duration.months === 0 && duration.milliseconds === 0) return null;
  if (duration.months > MAX_MONTHS || !(duration.milliseconds <= MAX_MILLISECONDS)) return null;
  return duration;
}

/** Why a duration is refused, or null when it is valid. */
export function durationProblem(text: string): string | null {
  if (parseDuration(text) !== null) return null;
  const shown = JSON.stringify(text);
  if (/^\d+$/.test(text)) return `${shown} has no unit; expected ${DURATION_RULE}`;
  if (text !== '' && DURATION_RE.test(text)) return `${shown} is zero or absurdly long; a duration must be positive and below 1000 years`;
  return `${shown} is not a duration; expected ${DURATION_RULE}`;
}

/**
 * The instant `d` before `epochMs`: the months as calendar months of the wall clock in `timeZone` (the zone the
 * calendar rules use too), then the fixed part, in which a day is 24 hours. See docs/retention.md.
 */
export function subtractDuration(epochMs: number, d: Duration, timeZone: string): number {
  return shiftMonths(epochMs, -d.months, timeZone) - d.milliseconds;
}

/** The instant `d` after `epochMs`: months as calendar months in `timeZone`, then the fixed part. */
export function addDuration(epochMs: number, d: Duration, timeZone: string): number {
  return shiftMonths(epochMs, d.months, timeZone) + d.milliseconds;
}

/**
 * The same wall-clock time `months` calendar months away in `timeZone`, clamped to the month's last day
 * (31 March minus 1 month is 28/29 February, not 3 March). In UTC, 23:30 on 31 March in Oslo would be 21:30
 * UTC, whose month-shift lands on another local day than the local month-shift does.
 */
function shiftMonths(epochMs: number, months: number, timeZone: string): number {
  if (months === 0) return epochMs;
  const offsetOf = zoneOffsetOf(timeZone);
  const wall = new Date(epochMs + offsetOf(epochMs));
  const day = wall.getUTCDate();
  wall.setUTCDate(1);
  wall.setUTCMonth(wall.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(wall.getUTCFullYear(), wall.getUTCMonth() + 1, 0)).getUTCDate();
  wall.setUTCDate(Math.min(day, lastDay));
  // Back from wall clock to an instant: the offset in force then (asked twice, as it may differ across a
  // DST change; a wall time skipped by a change resolves to a neighbouring instant, never an error).
  const shifted = wall.getTime();
  const first = shifted - offsetOf(shifted);
  return shifted - offsetOf(first);
}

/** Milliseconds of a duration whose months are taken as 30 days: for timeouts, not calendars. */
export function approximateMilliseconds(d: Duration): number {
  return d.months * 30 * 86_400_000 + d.milliseconds;
}
