// When a resolved five-field cron expression fires around an instant, in an IANA timezone: the last time at
// or before it and the next time after it. Health reports ask this of every definition on every /status and
// `pgbackops status`; constructing a croner object per definition per request (each step of which asks Intl
// for the zone's offset) cost seconds of event-loop time for a few thousand definitions. Here the same steps
// run on integers: the parsed fields match wall-clock minutes, zone offsets come from a per-quarter-hour
// cache, and answers are remembered per (expression, timezone) for the minute they hold for.
//
// The answers are croner's, step for step (the builtin scheduler fires with croner, legacy mode), which
// test/unit/cron/fire-times.test.ts checks over generated expressions and zones, DST transitions included:
// - croner's next run after an instant is the first matching wall-clock minute after the instant's wall-clock
//   time, converted back to an instant by instantOfWall (so a repeated hour fires once, and a time skipped by
//   a gap fires after it, unless the gap's later times already passed in wall-clock order);
// - the last run is found as lastExpectedRun did with croner: stepping through widening windows before now;
// - when both day of month and day of week are restricted (not a bare `*`), a day matching either fires.
import { civilFromDays, zoneOffsetOf } from '../time/zoned-calendar.js';
import { cronFields, type CronFields } from './expression.js';

export interface FireTimes {
  /** The last firing at or before the instant, if one happened within the last 367 days; epoch ms. */
  last: number | null;
  /** The first firing after the instant (null: none within HORIZON_MS); epoch ms. */
  next: number | null;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
// The windows lastExpectedRun searched with croner, smallest first: the last firing is the last step at or
// before now of croner's steps from the start of the first window that has one.
const LOOKBACK_WINDOWS_MS = [3_600_000, DAY_MS, 8 * DAY_MS, 32 * DAY_MS, 367 * DAY_MS];
/** How far ahead a next firing is looked for: Feb 29 comes at least every 8 years. */
const HORIZON_MS = 9 * 366 * DAY_MS;

interface Remembered extends FireTimes {
  /** The minute (epoch ms / 60,000, floored) the answer was computed for. */
  minute: number;
}

// Firings fall on whole minutes and the lookback windows are whole minutes, so every instant within one
// minute has the same answer: remembering it for that minute is exact.
const MAX_REMEMBERED = 20_000;
const remembered = new Map<string, Remembered>();
const matchers = new Map<string, Matcher>();

/** The last firing at or before `now` and the next after it, of a resolved expression in `timezone`. */
export function fireTimes(schedule: string, timezone: string, now: number): FireTimes {
  const key = `${timezone}\u0000${schedule}`;
  const minute = Math.floor(now / MINUTE_MS);
  const known = remembered.get(key);
  if (known !== undefined && known.minute === minute) return known;
  const times = computeFireTimes(matcherFor(schedule), zoneOffsetOf(timezone), now);
  if (remembered.size >= MAX_REMEMBERED) remembered.clear();
  remembered.set(key, { ...times, minute });
  return times;
}

function matcherFor(schedule: string): Matcher {
  let matcher = matchers.get(schedule);
  if (matcher === undefined) {
    matcher = matcherOf(cronFields(schedule));
    if (matchers.size >= MAX_REMEMBERED) matchers.clear();
    matchers.set(schedule, matcher);
  }
  return matcher;
}

/** The computation behind fireTimes, without memory. */
export function computeFireTimes(matcher: Matcher, offsetOf: (epochMs: number) => number, now: number): FireTimes {
  const step = (t: number): number | null => nextStep(matcher, offsetOf, t);
  let last: number | null = null;
  for (const window of LOOKBACK_WINDOWS_MS) {
    for (let cursor = step(now - window); cursor !== null && cursor <= now; cursor = step(cursor)) last = cursor;
    if (last !== null) break;
  }
  // croner's step from inside a repeated hour can land before the instant (on the hour's first occurrence);
  // the next firing is the first step that lands after it.
  let next = step(now);
  for (let guard = 0; next !== null && next <= now && guard < 1000; guard++) next = step(next);
  return { last, next: next !== null && next > now ? next : null };
}

/**
 * croner's nextRun: the first matching wall-clock minute after the wall-clock time of `t` (from its next whole
 * second), as an instant.
 */
function nextStep(matcher: Matcher, offsetOf: (epochMs: number) => number, t: number): number | null {
  const wall = t + offsetOf(t);
  const from = Math.ceil((Math.floor(wall / 1000) * 1000 + 1000) / MINUTE_MS) * MINUTE_MS;
  let found: number | null = null;
  forEachWallMinute(matcher, from, from + HORIZON_MS, (w) => {
    found = w;
    return false;
  });
  return found === null ? null : instantOfWall(found, offsetOf);
}

/**
 * The instant a wall-clock time (local ms, as if UTC) fires at, decided as croner decides (its minitz
 * conversion): read it with the offset the zone has at the instant equal to the wall-clock time taken as UTC;
 * if the result has another offset, read it with that one; if that does not fit either (a gap), take the later
 * of the two readings. So in an overlap a zone east of Greenwich fires at the second occurrence and one west
 * of it at the first; a time a gap skips fires as far after the gap's end as it was after its start.
 */
function instantOfWall(wall: number, offsetOf: (epochMs: number) => number): number {
  const first = offsetOf(wall);
  const guess = wall - first;
  const second = offsetOf(guess);
  if (second === first) return guess;
  const retry = wall - second;
  const third = offsetOf(retry);
  if (third === second) return retry;
  return third - second > 0 ? retry : guess;
}

/** The fields as the search uses them: ascending lists, and day matching by lookup. */
interface Matcher {
  hours: readonly number[];
  minutes: readonly number[];
  months: Uint8Array;
  days: Uint8Array;
  weekdays: Uint8Array;
  /** Both day fields restricted: a day matching either fires. */
  eitherDay: boolean;
}

export function matcherOf(fields: CronFields): Matcher {
  const mask = (values: readonly number[], size: number): Uint8Array => {
    const m = new Uint8Array(size);
    for (const v of values) m[v] = 1;
    return m;
  };
  return {
    hours: fields.hours, minutes: fields.minutes,
    months: mask(fields.months, 13), days: mask(fields.days, 32), weekdays: mask(fields.weekdays, 7),
    eitherDay: !fields.anyDay && !fields.anyWeekday,
  };
}

/**
 * Calls `visit` with every wall-clock minute (local ms, as if UTC) the fields match, upwards from `start`
 * (inclusive), until `visit` returns false or the search passes `limit`.
 */
function forEachWallMinute(m: Matcher, start: number, limit: number, visit: (wall: number) => boolean): void {
  const startMinute = Math.floor(start / MINUTE_MS);
  const firstDay = Math.floor(startMinute / 1440);
  const startMinuteOfDay = startMinute - firstDay * 1440;
  for (let day = firstDay; day * DAY_MS <= limit; day++) {
    if (!dayMatches(m, day)) continue;
    for (const hour of m.hours) {
      if (day === firstDay && hour * 60 + 59 < startMinuteOfDay) continue;
      for (const minute of m.minutes) {
        const minuteOfDay = hour * 60 + minute;
        if (day === firstDay && minuteOfDay < startMinuteOfDay) continue;
        if (!visit((day * 1440 + minuteOfDay) * MINUTE_MS)) return;
      }
    }
  }
}

function dayMatches(m: Matcher, day: number): boolean {
  const { month, day: dayOfMonth } = civilFromDays(day);
  if (m.months[month] === 0) return false;
  const weekday = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
  const domOk = m.days[dayOfMonth] === 1;
  const dowOk = m.weekdays[weekday] === 1;
  return m.eitherDay ? domOk || dowOk : domOk && dowOk;
}
