// The worst case of a set of schedules: the longest time between two consecutive fire times of their union,
// over a representative window (a whole calendar year plus the gap into the next one), in each schedule's
// time zone. A year holds every month length, both DST changes and every weekday of every month, so monthly,
// yearly and weekday schedules are measured as they really fall; a schedule that fires only on 29 February
// is followed into the next leap year. The duration of a run is not added: the worst case counts from the
// start of one run to the start of the next (docs/monitoring.md, "RPO").
//
// Pure and cheap: fire times are computed per local day from the expanded cron fields (no scheduler
// object), and a fleet repeats a few hundred resolved expressions, which are remembered. Schedules that fire
// on a fixed set of weekdays (the usual backup schedule) are measured on one week where the zone's offset
// holds (weekFires), and walked day by day only around its clock changes.
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
  /**
   * The weekdays (bit 0 Sunday) it fires on when every month and every day of the month matches, so that
   * its days are the same every week; -1 when they are not (a day of month or a month is restricted).
   */
  weekdayBits: number;
  /** Its zone never changes its clock (UTC). */
  fixedOffset: boolean;
  /** Minutes of the day the schedule fires at, ascending. */
  times: number[];
  /** Largest gap between two fires of the same day on a day without a clock change (0 for one fire a day). */
  innerGapMs: number;
  toInstant: (wallMs: number) => number;
  /** The zone's offset through a local day, or NaN on a day the clock changes. */
  dayOffset: (day: number) => number;
}

const compiledCache = new Map<string, Compiled>();
const MAX_REMEMBERED = 10_000;

// Schedules are named by a small integer, and a set of them by its sorted ids ("3,17"): a fleet asks the
// worst case of thousands of units, most of them one to three schedules, and their keys are then a few
// characters instead of the schedules' texts. Forgotten all at once (with every worst case keyed by them)
// past MAX_SCHEDULE_IDS, only between two computations (forgetScheduleIdsIfMany).
const scheduleIds = new Map<string, Map<string, number>>();
const schedulesById: ZonedSchedule[] = [];
const compiledById: Compiled[] = [];
/** Each id as text (the key of a set of one schedule). */
const idTexts: string[] = [];
const MAX_SCHEDULE_IDS = 200_000;
/** Per year of the window, the worst case of each set of schedules asked (by its key). */
const gapsByYear = new Map<number, Map<string, number | null>>();
const MAX_REMEMBERED_GAPS = 200_000;
let rememberedGaps = 0;
let lastFrom = NaN;
let lastYear = 0;

/** The id of a schedule (its cron text with H resolved, and its zone). */
export function scheduleId(schedule: string, timezone: string): number {
  // By zone, then by text: no string is built per definition.
  let inZone = scheduleIds.get(timezone);
  if (!inZone) scheduleIds.set(timezone, (inZone = new Map()));
  let id = inZone.get(schedule);
  if (id === undefined) {
    id = schedulesById.length;
    schedulesById.push({ schedule, timezone });
    idTexts.push(String(id));
    inZone.set(schedule, id);
  }
  return id;
}

/** Called before a computation that will ask for ids: ids stay valid until the next call. */
export function forgetScheduleIdsIfMany(): void {
  if (schedulesById.length < MAX_SCHEDULE_IDS) return;
  scheduleIds.clear();
  schedulesById.length = 0;
  compiledById.length = 0;
  weeklyGapById.length = 0;
  idTexts.length = 0;
  gapsByYear.clear();
  rememberedGaps = 0;
}

/**
 * The key of a set of schedule ids (in any order, repeats allowed): the distinct ids, ascending, joined by
 * commas; "" for none. `ids` is sorted in place.
 */
export function scheduleSetKeyOfIds(ids: number[]): string {
  if (ids.length === 0) return '';
  if (ids.length === 1) return idTexts[ids[0]!]!;
  // Insertion sort: a unit has a handful of schedules (no comparator call per pair).
  for (let i = 1; i < ids.length; i++) {
    const id = ids[i]!;
    let j = i - 1;
    for (; j >= 0 && ids[j]! > id; j--) ids[j + 1] = ids[j]!;
    ids[j + 1] = id;
  }
  let key = idTexts[ids[0]!]!;
  for (let i = 1; i < ids.length; i++) if (ids[i] !== ids[i - 1]) key += `,${idTexts[ids[i]!]!}`;
  return key;
}

/**
 * The worst case (as worstGapMs) of the set of schedules whose key (scheduleSetKeyOfIds) is `key`,
 * remembered per year and key: a fleet's units share a few thousand sets, each computed once per process.
 */
export function worstGapOfSetMs(key: string, from: number): number | null {
  if (key === '') return null;
  if (from !== lastFrom) {
    lastFrom = from;
    lastYear = new Date(from).getUTCFullYear();
  }
  const year = lastYear;
  let gaps = gapsByYear.get(year);
  if (!gaps) gapsByYear.set(year, (gaps = new Map()));
  const known = gaps.get(key);
  if (known !== undefined) return known;
  const compiled = key.split(',').map((id) => compiledOf(Number(id)));
  const gap = computeWorstGap(compiled, Date.UTC(year, 0, 1) / DAY_MS);
  if (rememberedGaps >= MAX_REMEMBERED_GAPS) {
    gapsByYear.clear();
    rememberedGaps = 0;
    gapsByYear.set(year, (gaps = new Map()));
  }
  gaps.set(key, gap);
  rememberedGaps++;
  return gap;
}

/**
 * A bound the worst case of a set (keyed as worstGapOfSetMs) never exceeds, without computing the union: when
 * every schedule fires on fixed weekdays in one zone that never changes its clock (UTC), fires repeat every
 * week and a set's worst case is the largest gap between its week's fires taken cyclically; adding a
 * schedule's fires can only split gaps, so the union's worst case is at most each member's. Null when that
 * does not hold (the exact worst case is needed). rpoBreaches asks this first: most units of a fleet are held
 * to an rpo their every single schedule already meets.
 */
export function worstGapBoundOfSetMs(key: string): number | null {
  if (key === '' || key.indexOf(',') < 0) return null;
  let bound = Infinity;
  let start = 0;
  let zone: string | null = null;
  while (start < key.length) {
    let end = key.indexOf(',', start);
    if (end < 0) end = key.length;
    const id = Number(key.slice(start, end));
    start = end + 1;
    const gap = fixedWeeklyGapMs(id);
    // One zone: the union is then measured on the same week.
    if (gap === null || (zone !== null && zone !== schedulesById[id]!.timezone)) return null;
    zone = schedulesById[id]!.timezone;
    if (gap < bound) bound = gap;
  }
  return bound;
}

/** Per schedule id: its worst case when it is weekly in a fixed zone (then the same every year), else null. */
const weeklyGapById: Array<number | null> = [];

/**
 * The worst case of one schedule (an id of scheduleId) when it fires on fixed weekdays of every month in a
 * zone that never changes its clock (UTC): the largest gap of its week's fires taken cyclically, the same in
 * every year. Null for any other schedule. Such a schedule fires in every stretch of time longer than this
 * gap, so the union of it with any other schedules never waits longer between two fires: a bound of the
 * worst case of every set that holds it (test/unit/rpo/worst-gap.test.ts).
 */
export function fixedWeeklyGapMs(id: number): number | null {
  let gap = weeklyGapById[id];
  if (gap === undefined) {
    const c = compiledOf(id);
    gap = c.fixedOffset && c.weekdayBits > 0 ? weekFires([c]) : null;
    weeklyGapById[id] = gap;
  }
  return gap;
}

/**
 * The longest time (ms) between consecutive fires of the union of `schedules` in the window starting on
 * 1 January of the UTC year of `from`; null when they fire fewer than twice (nothing scheduled).
 */
export function worstGapMs(schedules: readonly ZonedSchedule[], from: number): number | null {
  if (schedules.length === 0) return null;
  forgetScheduleIdsIfMany();
  return worstGapOfSetMs(scheduleSetKeyOfIds(schedules.map((s) => scheduleId(s.schedule, s.timezone))), from);
}

/** The compiled schedule of an id (scheduleId), made once. */
function compiledOf(id: number): Compiled {
  return (compiledById[id] ??= compile(schedulesById[id]!));
}

/** Distinct schedules (a union of a schedule with itself is the schedule). */
function computeWorstGap(compiled: readonly Compiled[], firstDay: number): number | null {
  if (compiled.every((c) => c.timezone === compiled[0]!.timezone)) {
    const weekly = weeklyGap(compiled, firstDay);
    if (weekly !== null) return weekly;
    return compiled.length === 1 ? singleGap(compiled[0]!, firstDay) : sameZoneUnionGap(compiled, firstDay);
  }
  return unionGap(compiled, firstDay);
}

/**
 * The walks alone, without the weekly shortcuts and without remembering: the reference the differential
 * tests hold worstGapMs to (test/unit/rpo/worst-gap.test.ts).
 */
export function worstGapWalkingEveryDay(schedules: readonly ZonedSchedule[], from: number): number | null {
  if (schedules.length === 0) return null;
  const firstDay = Date.UTC(new Date(from).getUTCFullYear(), 0, 1) / DAY_MS;
  const compiled = schedules.map((s) => compile(s));
  if (compiled.length === 1) return singleGap(compiled[0]!, firstDay);
  if (schedules.every((s) => s.timezone === schedules[0]!.timezone)) {
    return unionGapOver(compiled, firstDay, [[firstDay, firstDay + WINDOW_DAYS + HORIZON_DAYS - 1]], firstDay + WINDOW_DAYS);
  }
  return unionGap(compiled, firstDay);
}

function compile(s: ZonedSchedule): Compiled {
  const key = `${s.schedule}\u0000${s.timezone}`;
  let c = compiledCache.get(key);
  if (c) return c;
  const plain = plainFieldsOf(s.schedule);
  const fields = plain?.fields ?? expandCronFields(s.schedule);
  const mask = (values: number[], size: number) => {
    const out = new Array<boolean>(size).fill(false);
    for (const v of values) out[v] = true;
    return out;
  };
  const times: number[] = [];
  for (const h of fields.hours) for (const m of fields.minutes) times.push(h * 60 + m);
  let innerGapMs = 0;
  for (let i = 1; i < times.length; i++) innerGapMs = Math.max(innerGapMs, (times[i]! - times[i - 1]!) * MINUTE_MS);
  const zone = zoneOf(s.timezone);
  const months = plain?.masks[3]!.mask ?? mask(fields.months, 13);
  const daysOfMonth = plain?.masks[2]!.mask ?? mask(fields.daysOfMonth, 32);
  const weekdays = plain?.masks[4]!.mask ?? mask(fields.weekdays, 7);
  // Every day of the month matches: with "either" every day fires, with "both" the weekdays decide.
  let weekdayBits = -1;
  if (months.indexOf(false, 1) === -1 && daysOfMonth.indexOf(false, 1) === -1) {
    weekdayBits = 0;
    for (let w = 0; w < 7; w++) if (fields.dayOrWeekday || weekdays[w]) weekdayBits |= 1 << w;
  }
  c = {
    timezone: s.timezone, fields, months, daysOfMonth, weekdays, weekdayBits, times, innerGapMs,
    toInstant: zone.toInstant, dayOffset: zone.dayOffset, fixedOffset: zone.fixed,
  };
  if (compiledCache.size >= MAX_REMEMBERED) compiledCache.clear();
  compiledCache.set(key, c);
  return c;
}

const PLAIN_FIELD = /^(\*|\d+|\d+-\d+)$/;
const FIELD_RANGES: ReadonlyArray<readonly [number, number]> = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];

/**
 * expandCronFields of an expression whose five fields are each `*`, a number or a range of numbers (what
 * resolved H schedules and most written ones are), without its general parser, which cost a fleet's first
 * worst cases more than their walks; null for anything else (steps, lists, names, macros, other spacing,
 * values out of range), left to expandCronFields. test/unit/rpo/worst-gap.test.ts holds the two to the same
 * answers.
 */
export function plainCronFields(expr: string): CronFieldSets | null {
  return plainFieldsOf(expr)?.fields ?? null;
}

interface PlainField {
  values: number[];
  /** values[v] set, over the field's range (index = value). */
  mask: boolean[];
}

// A fleet's resolved schedules are a few hundred distinct texts made of a few dozen distinct fields ("*",
// "1-5", an hour, a minute): each field is expanded once, its values and mask shared (never changed).
const plainFields: Array<Map<string, PlainField | null>> = [new Map(), new Map(), new Map(), new Map(), new Map()];

function plainFieldsOf(expr: string): { fields: CronFieldSets; masks: PlainField[] } | null {
  const texts = expr.split(' ');
  if (texts.length !== 5) return null;
  const masks: PlainField[] = [];
  for (let i = 0; i < 5; i++) {
    const text = texts[i]!;
    let field = plainFields[i]!.get(text);
    if (field === undefined) {
      field = plainField(text, FIELD_RANGES[i]!, i === 4);
      if (plainFields[i]!.size >= MAX_REMEMBERED) plainFields[i]!.clear();
      plainFields[i]!.set(text, field);
    }
    if (field === null) return null;
    masks.push(field);
  }
  return {
    fields: {
      minutes: masks[0]!.values, hours: masks[1]!.values, daysOfMonth: masks[2]!.values, months: masks[3]!.values, weekdays: masks[4]!.values,
      dayOrWeekday: texts[2] !== '*' && texts[4] !== '*',
    },
    masks,
  };
}

/** The values of a field that is `*`, a number or a range within [min, max]; null otherwise. Weekday 7 is 0. */
function plainField(text: string, [min, max]: readonly [number, number], weekday: boolean): PlainField | null {
  if (!PLAIN_FIELD.test(text)) return null;
  const dash = text.indexOf('-');
  const from = text === '*' ? min : Number(dash < 0 ? text : text.slice(0, dash));
  const to = text === '*' ? max : dash < 0 ? from : Number(text.slice(dash + 1));
  if (from < min || to > max || from > to) return null;
  const mask = new Array<boolean>(weekday ? 7 : max + 1).fill(false);
  for (let v = from; v <= to; v++) mask[weekday ? v % 7 : v] = true;
  const values: number[] = [];
  for (let v = 0; v < mask.length; v++) if (mask[v]) values.push(v);
  return { values, mask };
}

/** Per zone, made once: wall clock to instant, and the offset through a local day. */
interface Zone {
  toInstant: (wall: number) => number;
  dayOffset: (day: number) => number;
  fixed: boolean;
}

const zones = new Map<string, Zone>();

function zoneOf(timezone: string): Zone {
  let zone = zones.get(timezone);
  if (zone) return zone;
  if (timezone === 'UTC' || timezone === 'Etc/UTC') {
    // No clock change ever: the wall clock is the instant (and no zone lookup is made, cold or not).
    zone = { toInstant: (wall: number) => wall, dayOffset: () => 0, fixed: true };
    zones.set(timezone, zone);
    return zone;
  }
  const offsetOf = zoneOffsetOf(timezone);
  // Wall clock -> instant with the offset in force then; a wall time a DST change skips resolves to the
  // instant an hour later, a repeated one to one of its two instants (each fires once).
  zone = { toInstant: (wall: number) => wall - offsetOf(wall - offsetOf(wall)), dayOffset: dayOffsetsOf(timezone), fixed: false };
  zones.set(timezone, zone);
  return zone;
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
 * Several schedules in one zone whose days are not the same every week (a day of month or a month is
 * restricted): per local day, the union of the minutes the schedules fire at that day, then as for one
 * schedule, over the whole window.
 */
function sameZoneUnionGap(compiled: readonly Compiled[], firstDay: number): number | null {
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
 * largest gap of: one week with no clock change (any 15 days without one hold every pair of consecutive
 * fires; their gaps are those of the week's fires taken cyclically, weekFires), and, around each clock change
 * in the window, the 7 days before and after it walked day by day (consecutive firing days of a weekly set
 * are at most 7 apart). Null when the schedules are not weekly, fire on no weekday, or no 15 days of the
 * window keep one offset (the whole window is walked). test/unit/rpo/worst-gap.test.ts holds this to the
 * walk over every day on fixed and on random schedules.
 */
function weeklyGap(compiled: readonly Compiled[], firstDay: number): number | null {
  let fires = 0;
  for (const c of compiled) {
    if (c.weekdayBits < 0) return null;
    fires |= c.weekdayBits;
  }
  if (fires === 0) return null;
  if (compiled[0]!.fixedOffset) return weekFires(compiled);
  // The walk stops at the first firing day from the window's end on: within a week of it.
  const windowEnd = firstDay + WINDOW_DAYS;
  let lastDay = windowEnd;
  while (((fires >> ((((lastDay + 4) % 7) + 7) % 7)) & 1) === 0) lastDay++; // 1970-01-01 was a Thursday
  const changes = clockChangesOf(compiled[0]!, firstDay, lastDay);
  if (changes.length > 0) {
    let steady = false;
    for (let day = firstDay, run = 0, next = 0; day <= lastDay && !steady; day++) {
      while (next < changes.length && changes[next]! < day) next++;
      run = changes[next] === day ? 0 : run + 1;
      steady = run === 15;
    }
    if (!steady) return null;
  }
  let worst = weekFires(compiled);
  if (changes.length > 0) {
    const around: Array<[number, number]> = changes.map((change) => [Math.max(firstDay, change - 7), Math.min(lastDay, change + 7)]);
    worst = Math.max(worst, unionGapOver(compiled, firstDay, around, null)!);
  }
  return worst;
}

/**
 * The largest gap between consecutive fires of weekly schedules over a week without a clock change, taken
 * cyclically (the last fire of the week is followed by the first of the next): minutes of the week, sorted.
 */
function weekFires(compiled: readonly Compiled[]): number {
  let count = 0;
  let everyDay = true;
  for (const c of compiled) {
    everyDay &&= c.weekdayBits === 127;
    count += c.times.length * 7;
  }
  // When every schedule fires every day, one day repeats: its minutes, taken cyclically over 1,440.
  const period = everyDay ? 1440 : 7 * 1440;
  if (fireMinutes.length < count) fireMinutes = new Int32Array(count * 2);
  let n = 0;
  for (const c of compiled) {
    for (let w = 0; w < (everyDay ? 1 : 7); w++) {
      if (((c.weekdayBits >> w) & 1) === 0) continue;
      for (const t of c.times) fireMinutes[n++] = w * 1440 + t;
    }
  }
  // A typed array sorts numerically without a comparator (this runs once per distinct set of a fleet).
  const minutes = fireMinutes.subarray(0, n).sort();
  let worst = minutes[0]! + period - minutes[n - 1]!;
  for (let i = 1; i < n; i++) worst = Math.max(worst, minutes[i]! - minutes[i - 1]!);
  return worst * MINUTE_MS;
}

let fireMinutes = new Int32Array(1024);

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
