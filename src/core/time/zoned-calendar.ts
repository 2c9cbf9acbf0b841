// Calendar buckets (day, ISO week, month, year) of an instant in an IANA timezone, DST-correct.
// Offsets are cached per zone and hour: a retention pass over a million backups asks Intl only once per
// distinct hour instead of once per backup.

export interface CalendarKeys {
  day: string;
  week: string;
  month: string;
  year: string;
}

const HOUR_MS = 3_600_000;
const formatters = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, Map<number, number>>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The zone's UTC offset in ms at `epochMs` (local = utc + offset). */
export function zoneOffsetMs(epochMs: number, timeZone: string): number {
  let perZone = offsetCache.get(timeZone);
  if (!perZone) {
    perZone = new Map();
    offsetCache.set(timeZone, perZone);
  }
  // Offsets change on whole quarter hours at most; cache by quarter hour to stay exact.
  const bucket = Math.floor(epochMs / (HOUR_MS / 4));
  const cached = perZone.get(bucket);
  if (cached !== undefined) return cached;
  const parts = formatterFor(timeZone).formatToParts(new Date(bucket * (HOUR_MS / 4)));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const localAsUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  const offset = localAsUtc - bucket * (HOUR_MS / 4);
  perZone.set(bucket, offset);
  return offset;
}

/** Local calendar day number (days since 1970-01-01 in the zone) of an instant. */
export function localDayNumber(epochMs: number, timeZone: string): number {
  return Math.floor((epochMs + zoneOffsetMs(epochMs, timeZone)) / 86_400_000);
}

/**
 * Bucket numbers of a local day: the day itself, its ISO week (weeks start on Monday; 1970-01-01 was a
 * Thursday), its month (year * 12 + month index) and its year. Integer arithmetic only: a retention pass
 * computes these for every backup.
 */
export function bucketsOfDay(day: number): { day: number; week: number; month: number; year: number } {
  const { year, month } = civilFromDays(day);
  return { day, week: Math.floor((day + 3) / 7), month: year * 12 + (month - 1), year };
}

/** Human-readable keys of an instant's buckets, for explanations and tests. */
export function calendarKeys(epochMs: number, timeZone: string): CalendarKeys {
  const dayNumber = localDayNumber(epochMs, timeZone);
  const { year, month, day } = civilFromDays(dayNumber);
  return {
    day: `${year}-${pad(month)}-${pad(day)}`,
    week: isoWeekLabel(dayNumber),
    month: `${year}-${pad(month)}`,
    year: String(year),
  };
}

/** ISO 8601 week label ("2026-W47") of a local day number. */
export function isoWeekLabel(dayNumber: number): string {
  const weekday = ((dayNumber + 3) % 7 + 7) % 7; // 0 = Monday
  const thursday = dayNumber - weekday + 3; // the Thursday of this week decides its year
  const { year } = civilFromDays(thursday);
  const jan1 = daysFromCivil(year, 1, 1);
  return `${year}-W${pad(Math.floor((thursday - jan1) / 7) + 1)}`;
}

// Howard Hinnant's days <-> civil date algorithms (proleptic Gregorian), exact for any day number.
export function civilFromDays(z: number): { year: number; month: number; day: number } {
  const zz = z + 719_468;
  const era = Math.floor(zz / 146_097);
  const doe = zz - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
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
