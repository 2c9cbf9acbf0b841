// Durations in retention rules and timeouts: "30m", "36h", "7d", "2w", "6mo", "1y", or combinations
// written largest unit first ("1d12h"). Months and years are calendar units, so they are kept apart from
// the fixed-length part: retention applies them with calendar arithmetic.

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

/** The instant `d` before `epochMs`: months as calendar months (UTC), then the fixed part. */
export function subtractDuration(epochMs: number, d: Duration): number {
  return shiftMonths(epochMs, -d.months) - d.milliseconds;
}

/** The instant `d` after `epochMs`: months as calendar months (UTC), then the fixed part. */
export function addDuration(epochMs: number, d: Duration): number {
  return shiftMonths(epochMs, d.months) + d.milliseconds;
}

function shiftMonths(epochMs: number, months: number): number {
  if (months === 0) return epochMs;
  const date = new Date(epochMs);
  const day = date.getUTCDate();
  date.setUTCDate(1);
  date.setUTCMonth(date.getUTCMonth() + months);
  // Clamp to the last day of the target month (31 March minus 1 month is 28/29 February, not 3 March).
  const lastDay = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  date.setUTCDate(Math.min(day, lastDay));
  return date.getTime();
}

/** Milliseconds of a duration whose months are taken as 30 days: for timeouts, not calendars. */
export function approximateMilliseconds(d: Duration): number {
  return d.months * 30 * 86_400_000 + d.milliseconds;
}
