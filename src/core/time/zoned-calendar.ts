// Calendar buckets (day, ISO week, month, year) of an instant in an IANA timezone, DST-correct.
// A retention pass computes them for a million backups, so the hot path is integer arithmetic on local day
// numbers with no allocation, and the zone's offset is asked of Intl once per distinct quarter hour.

export type CalendarBucket = 'day' | 'week' | 'month' | 'year';

export interface CalendarKeys {
  day: string;
  week: string;
  month: string;
  year: string;
}

const DAY_MS = 86_400_000;
// Offsets change on whole quarter hours at most, so caching by quarter hour stays exact.
const QUARTER_HOUR_MS = 900_000;
const offsetCaches = new Map<string, Map<number, number>>();

/**
 * A function giving the local calendar day number (days since 1970-01-01 in the zone) of an instant. Made once
 * per zone and reused for every backup of a definition: the per-zone cache is looked up once, not per call.
 */
export function localDayOf(timeZone: string): (epochMs: number) => number {
  const offsetOf = zoneOffsetOf(timeZone);
  return (epochMs) => Math.floor((epochMs + offsetOf(epochMs)) / DAY_MS);
}

/**
 * A function giving the zone's UTC offset in ms at an instant (local wall clock = utc + offset), asked of Intl
 * once per distinct quarter hour and zone (the cache is shared by every caller).
 */
export function zoneOffsetOf(timeZone: string): (epochMs: number) => number {
  let offsets = offsetCaches.get(timeZone);
  if (!offsets) {
    offsets = new Map();
    offsetCaches.set(timeZone, offsets);
  }
  const cache = offsets;
  let formatter: Intl.DateTimeFormat | undefined;
  return (epochMs) => {
    const quarter = Math.floor(epochMs / QUARTER_HOUR_MS);
    let offset = cache.get(quarter);
    if (offset === undefined) {
      formatter ??= new Intl.DateTimeFormat('en-US', {
        timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric',
      });
      offset = offsetAt(formatter, quarter * QUARTER_HOUR_MS);
      cache.set(quarter, offset);
    }
    return offset;
  };
}

/** The zone's UTC offset in ms at `epochMs` (local = utc + offset). */
function offsetAt(formatter: Intl.DateTimeFormat, epochMs: number): number {
  const parts = formatter.formatToParts(new Date(epochMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute')) - epochMs;
}

/** Local calendar day number of one instant (for a single lookup; use localDayOf for many). */
export function localDayNumber(epochMs: number, timeZone: string): number {
  return localDayOf(timeZone)(epochMs);
}

/**
 * The bucket of a local day as an integer: two days are in the same period exactly when their keys are
 * equal, and keys grow with time. ISO weeks start on Monday (1970-01-01 was a Thursday); months are
 * year * 12 + month index.
 */
export const BUCKET_KEY: Readonly<Record<CalendarBucket, (day: number) => number>> = {
  day: (day) => day,
  week: (day) => Math.floor((day + 3) / 7),
  month: monthNumber,
  year: (day) => Math.floor(monthNumber(day) / 12),
};

/** The label of a local day's bucket, as explanations show it: 2026-11-20, 2026-W47, 2026-11, 2026. */
export function bucketLabel(bucket: CalendarBucket, dayNumber: number): string {
  if (bucket === 'week') return isoWeekLabel(dayNumber);
  const { year, month, day } = civilFromDays(dayNumber);
  if (bucket === 'year') return String(year);
  return bucket === 'month' ? `${year}-${pad(month)}` : `${year}-${pad(month)}-${pad(day)}`;
}

/** Human-readable keys of an instant's buckets, for explanations and tests. */
export function calendarKeys(epochMs: number, timeZone: string): CalendarKeys {
  const day = localDayNumber(epochMs, timeZone);
  return { day: bucketLabel('day', day), week: bucketLabel('week', day), month: bucketLabel('month', day), year: bucketLabel('year', day) };
}

/** ISO 8601 week label ("2026-W47") of a local day number. */
export function isoWeekLabel(dayNumber: number): string {
  const weekday = ((dayNumber + 3) % 7 + 7) % 7; // 0 = Monday
  const thursday = dayNumber - weekday + 3; // the Thursday of this week decides its year
  const { year } = civilFromDays(thursday);
  const jan1 = daysFromCivil(year, 1, 1);
  return `${year}-W${pad(Math.floor((thursday - jan1) / 7) + 1)}`;
}

export function civilFromDays(z: number): { year: number; month: number; day: number } {
  const months = monthNumber(z);
  const year = Math.floor(months / 12);
  const month = months - year * 12 + 1;
  return { year, month, day: z - daysFromCivil(year, month, 1) + 1 };
}

// Howard Hinnant's days <-> civil date algorithms (proleptic Gregorian), exact for any day number. This one
// returns year * 12 + month index as a single number so that bucketing allocates nothing.
function monthNumber(z: number): number {
  const zz = z + 719_468;
  const era = Math.floor(zz / 146_097);
  const doe = zz - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  return (yoe + era * 400 + (month <= 2 ? 1 : 0)) * 12 + month - 1;
}

function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
