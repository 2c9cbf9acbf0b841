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

export function calendarKeys(epochMs: number, timeZone: string): CalendarKeys {
  const local = new Date(epochMs + zoneOffsetMs(epochMs, timeZone));
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth() + 1;
  const d = local.getUTCDate();
  return {
    day: `${y}-${pad(m)}-${pad(d)}`,
    week: isoWeek(local),
    month: `${y}-${pad(m)}`,
    year: String(y),
  };
}

/** ISO 8601 week of a date whose UTC fields hold the local calendar date. */
function isoWeek(local: Date): string {
  const date = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()));
  const dayOfWeek = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - dayOfWeek); // Thursday of this week decides the year
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${date.getUTCFullYear()}-W${pad(week)}`;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
