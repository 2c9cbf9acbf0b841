// The worst case of a set of schedules: the longest time between two consecutive fire times of their union,
// over a representative window (a whole calendar year plus the gap into the next one), in each schedule's
// time zone. A year holds every month length, both DST changes and every weekday of every month, so monthly,
// yearly and weekday schedules are measured as they really fall; a schedule that fires only on 29 February
// is followed into the next leap year. The duration of a run is not added: the worst case counts from the
// start of one run to the start of the next (docs/monitoring.md, "RPO").
//
// Pure and cheap: fire times are computed per local day from the expanded cron fields (no scheduler
// object), and a fleet repeats a few hundred resolved expressions, which are remembered.
import { expandCronFields, type CronFieldSets } from '../cron/expression.js';
import { civilFromDays, zoneOffsetOf } from '../time/zoned-calendar.js';

export interface ZonedSchedule {
  /** Five cron fields, H resolved. */
  schedule: string;
  timezone: string;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** The window: one calendar year of days (a leap year has 366). */
const WINDOW_DAYS = 366;
/** How far past the window a schedule is followed to its next fire: 29 February can be 8 years away (2096 → 2104). */
const HORIZON_DAYS = 8 * 366 + 1;

interface Compiled {
  timezone: string;
  fields: CronFieldSets;
  months: boolean[];
  daysOfMonth: boolean[];
  weekdays: boolean[];
  /** Minutes of the day the schedule fires at, ascending. */
  times: number[];
  /** Largest gap between two fires of the same day on a day without a clock change (0 for one fire a day). */
  innerGapMs: number;
  toInstant: (wallMs: number) => number;
  /** The zone's offset through a local day, or NaN on a day the clock changes. */
  dayOffset: (day: number) => number;
}

const compiledCache = new Map<string, Compiled>();
const gapCache = new Map<string, number | null>();
const MAX_REMEMBERED = 10_000;

/**
 * The longest time (ms) between consecutive fires of the union of `schedules` in the window starting on
 * 1 January of the UTC year of `from`; null when they fire fewer than twice (nothing scheduled).
 */
export function worstGapMs(schedules: readonly ZonedSchedule[], from: number): number | null {
  if (schedules.length === 0) return null;
  const year = new Date(from).getUTCFullYear();
  const key = `${year}\u0001${scheduleSetKey(schedules)}`;
  if (gapCache.has(key)) return gapCache.get(key)!;
  const firstDay = Date.UTC(year, 0, 1) / DAY_MS;
  const compiled = schedules.map((s) => compile(s));
  const gap = compiled.length === 1 ? singleGap(compiled[0]!, firstDay)
    : schedules.every((s) => s.timezone === schedules[0]!.timezone) ? sameZoneUnionGap(compiled, firstDay)
    : unionGap(compiled, firstDay);
  if (gapCache.size >= MAX_REMEMBERED) gapCache.clear();
  gapCache.set(key, gap);
  return gap;
}

/**
 * The same text for the same set of schedules in any order. Asked once per unit of a fleet (thousands), so
 * the usual one and two schedules are keyed without building and sorting an array.
 */
export function scheduleSetKey(schedules: readonly ZonedSchedule[]): string {
  if (schedules.length === 1) return `${schedules[0]!.schedule}\u0000${schedules[0]!.timezone}`;
  if (schedules.length === 2) {
    const a = `${schedules[0]!.schedule}\u0000${schedules[0]!.timezone}`;
    const b = `${schedules[1]!.schedule}\u0000${schedules[1]!.timezone}`;
    return a <= b ? `${a}\u0001${b}` : `${b}\u0001${a}`;
  }
  return schedules.map((s) => `${s.schedule}\u0000${s.timezone}`).sort().join('\u0001');
}

function compile(s: ZonedSchedule): Compiled {
  const key = `${s.schedule}\u0000${s.timezone}`;
  let c = compiledCache.get(key);
  if (c) return c;
  const fields = expandCronFields(s.schedule);
  const mask = (values: number[], size: number) => {
    const out = new Array<boolean>(size).fill(false);
    for (const v of values) out[v] = true;
    return out;
  };
  const times: number[] = [];
  for (const h of fields.hours) for (const m of fields.minutes) times.push(h * 60 + m);
  let innerGapMs = 0;
  for (let i = 1; i < times.length; i++) innerGapMs = Math.max(innerGapMs, (times[i]! - times[i - 1]!) * MINUTE_MS);
  const offsetOf = zoneOffsetOf(s.timezone);
  // Wall clock -> instant with the offset in force then; a wall time a DST change skips resolves to the
  // instant an hour later, a repeated one to one of its two instants (each fires once).
  const toInstant = (wall: number) => wall - offsetOf(wall - offsetOf(wall));
  c = {
    timezone: s.timezone, fields, months: mask(fields.months, 13), daysOfMonth: mask(fields.daysOfMonth, 32), weekdays: mask(fields.weekdays, 7), times, innerGapMs, toInstant,
    dayOffset: dayOffsetsOf(s.timezone),
  };
  if (compiledCache.size >= MAX_REMEMBERED) compiledCache.clear();
  compiledCache.set(key, c);
  return c;
}

const dayOffsetCaches = new Map<string, Map<number, number>>();

/**
 * Per zone and local day, the offset in force all day (NaN when the clock changes that day): asked of the
 * zone twice per day and zone, instead of twice per fire, which made the zone lookups most of the cost.
 */
function dayOffsetsOf(timezone: string): (day: number) => number {
  let cache = dayOffsetCaches.get(timezone);
  if (!cache) dayOffsetCaches.set(timezone, (cache = new Map()));
  const days = cache;
  const offsetOf = zoneOffsetOf(timezone);
  return (day) => {
    let offset = days.get(day);
    if (offset === undefined) {
      const wall = day * DAY_MS;
      const start = offsetOf(wall - offsetOf(wall));
      const end = offsetOf(wall + DAY_MS - 1 - start);
      offset = start === end ? start : NaN;
      days.set(day, offset);
    }
    return offset;
  };
}

/** Month, day of month and weekday of every day a computation may look at, from its first day. */
interface Calendar {
  month: Uint8Array;
  dayOfMonth: Uint8Array;
  weekday: Uint8Array;
}

const calendars = new Map<number, Calendar>();

/**
 * The calendar of the days from `firstDay`, made once per window: each schedule then asks a table per day
 * instead of converting the day number, which was most of the cost of a fleet's worst cases.
 */
function calendarFrom(firstDay: number): Calendar {
  let cal = calendars.get(firstDay);
  if (cal) return cal;
  const days = WINDOW_DAYS + HORIZON_DAYS;
  cal = { month: new Uint8Array(days), dayOfMonth: new Uint8Array(days), weekday: new Uint8Array(days) };
  for (let i = 0; i < days; i++) {
    const { month, day } = civilFromDays(firstDay + i);
    cal.month[i] = month;
    cal.dayOfMonth[i] = day;
    cal.weekday[i] = ((((firstDay + i + 4) % 7) + 7) % 7); // 1970-01-01 was a Thursday
  }
  if (calendars.size >= 16) calendars.clear();
  calendars.set(firstDay, cal);
  return cal;
}

/** Whether `c` fires on the day `i` days after the calendar's first. */
function firesOn(c: Compiled, cal: Calendar, i: number): boolean {
  if (!c.months[cal.month[i]!]) return false;
  const dom = c.daysOfMonth[cal.dayOfMonth[i]!]!;
  const dow = c.weekdays[cal.weekday[i]!]!;
  return c.fields.dayOrWeekday ? dom || dow : dom && dow;
}

/** One schedule, walked over its firing days. */
function singleGap(c: Compiled, firstDay: number): number | null {
  const walk = new GapWalk();
  let firingDays = 0;
  const cal = calendarFrom(firstDay);
  for (let day = firstDay; day < firstDay + WINDOW_DAYS + HORIZON_DAYS; day++) {
    if (!firesOn(c, cal, day - firstDay)) continue;
    walk.fireDay(c, c.times, c.innerGapMs, day);
    firingDays++;
    if (day >= firstDay + WINDOW_DAYS && firingDays >= 2) break;
  }
  return firingDays < 2 ? null : walk.worst;
}

/** A walk over firing days in time order: the largest gap so far, and the last fire of the day before. */
class GapWalk {
  worst = 0;
  previous: number | null = null;

  /**
   * A day on which `zone`'s clock fires at `times` (minutes of the day, ascending; `innerGapMs` the largest gap
   * between them on a day without a clock change). Per day only its first and last fire are instants to
   * compute, unless the clock changes that day.
   */
  fireDay(zone: Compiled, times: readonly number[], innerGapMs: number, day: number): void {
    const wall = day * DAY_MS;
    const offset = zone.dayOffset(day);
    const steady = !Number.isNaN(offset);
    const last = times.length - 1;
    const first = steady ? wall + times[0]! * MINUTE_MS - offset : zone.toInstant(wall + times[0]! * MINUTE_MS);
    const end = steady ? wall + times[last]! * MINUTE_MS - offset : zone.toInstant(wall + times[last]! * MINUTE_MS);
    if (this.previous !== null) this.worst = Math.max(this.worst, first - this.previous);
    this.worst = Math.max(this.worst, steady ? innerGapMs : innerGapOnClockChange(times, zone.toInstant, wall));
    this.previous = end;
  }
}

function innerGapOnClockChange(times: readonly number[], toInstant: (wall: number) => number, wall: number): number {
  const instants = times.map((t) => toInstant(wall + t * MINUTE_MS)).sort((a, b) => a - b);
  let gap = 0;
  for (let i = 1; i < instants.length; i++) gap = Math.max(gap, instants[i]! - instants[i - 1]!);
  return gap;
}

/**
 * Several schedules in one zone (the usual case when several definitions cover a database): per local day,
 * the union of the minutes the schedules fire at that day, then as for one schedule. A fleet's units rarely
 * share a set of schedules (H spreads each definition's time), so this runs once per unit: when every
 * schedule's days are a set of weekdays (weeklyStretches), only the days that can hold a distinct gap are
 * walked, else the whole window.
 */
function sameZoneUnionGap(compiled: readonly Compiled[], firstDay: number): number | null {
  const stretches = weeklyStretches(compiled, firstDay);
  if (stretches !== null) return unionGapOver(compiled, firstDay, stretches, null);
  return unionGapOver(compiled, firstDay, [[firstDay, firstDay + WINDOW_DAYS + HORIZON_DAYS - 1]], firstDay + WINDOW_DAYS);
}

/**
 * The largest gap between consecutive fires of the union walked day by day over `stretches` (inclusive day
 * ranges, each walked on its own); with `stopFrom`, the walk ends at the first firing day from then on once
 * two days fired (the whole window), and fewer than two firing days is null.
 */
function unionGapOver(compiled: readonly Compiled[], firstDay: number, stretches: ReadonlyArray<readonly [number, number]>, stopFrom: number | null): number | null {
  const zone = compiled[0]!;
  // Which schedules fire on a day repeats (every day, weekdays, ...): their merged times are made once per set.
  // The set is a bit mask while it fits one (a database covered by up to 30 definitions), else a string.
  const merged = new Map<number | string, { times: number[]; innerGapMs: number }>();
  const asMask = compiled.length <= 30;
  const cal = calendarFrom(firstDay);
  const walk = new GapWalk();
  let firingDays = 0;
  for (const [from, to] of stretches) {
    walk.previous = null;
    for (let day = from; day <= to; day++) {
      let mask = 0;
      let text = '';
      for (let i = 0; i < compiled.length; i++) {
        if (!firesOn(compiled[i]!, cal, day - firstDay)) continue;
        if (asMask) mask |= 1 << i;
        else text += `${i},`;
      }
      if (mask === 0 && text === '') continue;
      const key = asMask ? mask : text;
      let m = merged.get(key);
      if (!m) {
        const firing = compiled.filter((_, i) => (asMask ? (mask & (1 << i)) !== 0 : text.split(',').includes(String(i))));
        const times = [...new Set(firing.flatMap((c) => c.times))].sort((a, b) => a - b);
        let innerGapMs = 0;
        for (let i = 1; i < times.length; i++) innerGapMs = Math.max(innerGapMs, (times[i]! - times[i - 1]!) * MINUTE_MS);
        merged.set(key, (m = { times, innerGapMs }));
      }
      walk.fireDay(zone, m.times, m.innerGapMs, day);
      firingDays++;
      if (stopFrom !== null && day >= stopFrom && firingDays >= 2) break;
    }
  }
  return stopFrom !== null && firingDays < 2 ? null : walk.worst;
}

/**
 * When every schedule fires on a fixed set of weekdays in every month (day of month unrestricted), the days
 * the whole-window walk visits repeat every week wherever the zone's offset holds, and each gap between two
 * fires depends only on the weekday, the times and the offsets on either side. So the walk's answer is the
 * largest gap of: one stretch of 15 days (every weekday twice) with no clock change, and, around each clock
 * change in the window, the 7 days before and after it (consecutive firing days of a weekly set are at most
 * 7 apart). Null when the schedules are not weekly or fire on no weekday (the whole window is walked).
 * test/unit/rpo/worst-gap.test.ts holds both walks to the same answers.
 */
function weeklyStretches(compiled: readonly Compiled[], firstDay: number): Array<[number, number]> | null {
  const fires = new Array<boolean>(7).fill(false);
  for (const c of compiled) {
    for (let m = 1; m <= 12; m++) if (!c.months[m]) return null;
    for (let d = 1; d <= 31; d++) if (!c.daysOfMonth[d]) return null;
    // Every day of the month matches: with "either" every day fires, with "both" the weekdays decide.
    for (let w = 0; w < 7; w++) if (c.fields.dayOrWeekday || c.weekdays[w]) fires[w] = true;
  }
  if (!fires.includes(true)) return null;
  // The walk stops at the first firing day from the window's end on: within a week of it.
  const windowEnd = firstDay + WINDOW_DAYS;
  let lastDay = windowEnd;
  while (!fires[((((lastDay + 4) % 7) + 7) % 7)]) lastDay++;
  const changes = clockChangesOf(compiled[0]!, firstDay, lastDay);
  let steadyFrom: number | null = null;
  for (let day = firstDay, run = 0; day <= lastDay; day++) {
    run = changes.includes(day) ? 0 : run + 1;
    if (run === 15) {
      steadyFrom = day - 14;
      break;
    }
  }
  if (steadyFrom === null) return null;
  const stretches: Array<[number, number]> = [[steadyFrom, steadyFrom + 14]];
  for (const change of changes) stretches.push([Math.max(firstDay, change - 7), Math.min(lastDay, change + 7)]);
  return stretches;
}

/** The days from `from` to `to` on which the zone's offset changes, or differs from the day before's. */
function clockChangesOf(zone: Compiled, from: number, to: number): number[] {
  const key = `${zone.timezone}\u0000${from}\u0000${to}`;
  let days = clockChanges.get(key);
  if (days) return days;
  days = [];
  let before = zone.dayOffset(from - 1);
  for (let day = from; day <= to; day++) {
    const offset = zone.dayOffset(day);
    if (Number.isNaN(offset) || offset !== before) days.push(day);
    before = offset;
  }
  if (clockChanges.size >= MAX_REMEMBERED) clockChanges.clear();
  clockChanges.set(key, days);
  return days;
}

const clockChanges = new Map<string, number[]>();

/**
 * The same-zone union's answer from walking every day of the window, never the weekly shortcut: the reference
 * the differential test holds the shortcut to.
 */
export function sameZoneUnionGapWalkingEveryDay(schedules: readonly ZonedSchedule[], from: number): number | null {
  const firstDay = Date.UTC(new Date(from).getUTCFullYear(), 0, 1) / DAY_MS;
  return unionGapOver(schedules.map((s) => compile(s)), firstDay, [[firstDay, firstDay + WINDOW_DAYS + HORIZON_DAYS - 1]], firstDay + WINDOW_DAYS);
}

/**
 * Several schedules in different zones: every fire of each up to the first fire of any
 * after the window, merged. Rare, so plainly.
 */
function unionGap(compiled: readonly Compiled[], firstDay: number): number | null {
  const all: number[] = [];
  let cut = Infinity;
  const cal = calendarFrom(firstDay);
  for (const c of compiled) {
    for (let day = firstDay; day < firstDay + WINDOW_DAYS + HORIZON_DAYS; day++) {
      if (!firesOn(c, cal, day - firstDay)) continue;
      for (const t of c.times) all.push(c.toInstant(day * DAY_MS + t * MINUTE_MS));
      if (day >= firstDay + WINDOW_DAYS) {
        cut = Math.min(cut, c.toInstant(day * DAY_MS + c.times[0]! * MINUTE_MS));
        break;
      }
    }
  }
  const instants = Float64Array.from(all.filter((t) => t <= cut)).sort();
  if (instants.length < 2) return null;
  let worst = 0;
  for (let i = 1; i < instants.length; i++) worst = Math.max(worst, instants[i]! - instants[i - 1]!);
  return worst;
}
