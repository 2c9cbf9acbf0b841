// fire-times.ts is a fast path for what croner (the builtin scheduler's cron library, legacy mode) says about
// when an expression fires: it must agree with croner on every input, so this test generates expressions
// (lists, ranges, steps, names, both day fields, macros) and instants in zones with unusual offsets and DST
// rules (half-hour DST, 2-hour DST, DST at midnight, quarter-hour offsets), many of them right at the
// transitions, and compares the two. The remembered answers are checked too, by asking in several orders.
import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { checkCronExpression } from '../../../src/core/cron/expression.js';
import { fireTimes } from '../../../src/core/cron/fire-times.js';
import { random } from '../../helpers/random-json.js';

/**
 * The reference: croner, as lastExpectedRun used it before fire-times.ts (the last firing in the year before
 * `now`, found by stepping nextRun through widening windows). Slow: used for a sample. The answer is the last
 * firing of the first window that has one, whatever the windows are; finer steps than lastExpectedRun's
 * (1 hour, 1, 8, 32, 367 days) only step through fewer firings of a dense expression before it.
 */
function croneLast(cron: Cron, now: number): number | null {
  const [minute, hour, day] = [60_000, 3_600_000, 86_400_000];
  for (const window of [2 * minute, 15 * minute, hour, 6 * hour, day, 2 * day, 8 * day, 32 * day, 96 * day, 367 * day]) {
    let last: number | null = null;
    let cursor: Date | null = new Date(now - window);
    for (;;) {
      cursor = cron.nextRun(cursor);
      if (!cursor || cursor.getTime() > now) break;
      last = cursor.getTime();
    }
    if (last !== null) return last;
  }
  return null;
}

/**
 * The same answer in two nextRun calls when a last firing was found: croner fires at `last` (its next run
 * from just before is `last`) and not again until after `now`.
 */
function croneAgreesOnLast(cron: Cron, now: number, last: number | null): boolean {
  if (last === null) return croneLast(cron, now) === null;
  if (last > now || last <= now - 367 * 86_400_000) return false;
  if (cron.nextRun(new Date(last - 1))?.getTime() !== last) return false;
  const after = cron.nextRun(new Date(last))?.getTime();
  return after === undefined || after > now;
}

/**
 * croner's next run after `now`. Asked from inside a repeated (DST overlap) hour, croner's nextRun can answer
 * with a time of the hour's first occurrence, before `now`: the next run is then its first step after `now`.
 */
function croneNext(cron: Cron, now: number): number | null {
  let next = cron.nextRun(new Date(now))?.getTime() ?? null;
  while (next !== null && next <= now) next = cron.nextRun(new Date(next))?.getTime() ?? null;
  return next;
}

// East and west of Greenwich (croner resolves a repeated hour differently), half- and quarter-hour offsets,
// half-hour DST (Lord Howe), two-hour DST (Troll), DST at midnight (Santiago, Havana), DST that pauses for a
// month (Casablanca), and zones without DST.
const ZONES = [
  'UTC', 'America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Chatham', 'America/St_Johns',
  'Antarctica/Troll', 'America/Santiago', 'America/Havana', 'Africa/Casablanca',
];


const FIELD_RANGES: [number, number][] = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];
const NAMES: string[][] = [[], [], [], ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'], ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']];

function element(rnd: () => number, field: number): string {
  const [min, max] = FIELD_RANGES[field]!;
  const pick = (lo = min, hi = max) => lo + Math.floor(rnd() * (hi - lo + 1));
  const r = rnd();
  if (r < 0.25) return String(pick());
  if (r < 0.35 && NAMES[field]!.length > 0) return NAMES[field]![Math.floor(rnd() * NAMES[field]!.length)]!;
  if (r < 0.55) {
    const from = pick();
    const to = pick(from);
    return rnd() < 0.5 ? `${from}-${to}` : `${from}-${to}/${1 + Math.floor(rnd() * 7)}`;
  }
  if (r < 0.7) return `*/${1 + Math.floor(rnd() * (field === 0 ? 30 : field === 1 ? 12 : 6))}`;
  return '*';
}

function field(rnd: () => number, index: number): string {
  // Minutes and hours are mostly single values (as backups are); the day fields are often '*'.
  const r = rnd();
  if (index >= 2 && r < 0.5) return '*';
  if (index <= 1 && r < 0.4) return String(Math.floor(rnd() * (index === 0 ? 60 : 24)));
  const count = rnd() < 0.75 ? 1 : 2 + Math.floor(rnd() * 2);
  return Array.from({ length: count }, () => element(rnd, index)).join(',');
}

function expressions(seed: number, count: number): string[] {
  const rnd = random(seed);
  const out = ['* * * * *', '0 0 29 2 *', '30 2 * * *', '30 1 * * *', '0 0 * * *', '0 2 * * 0', '15 * * * *', '@daily', '@weekly', '@monthly',
    '@yearly', '0 0 13 * 5', '0 0 */2 * 1', '0 0 31 * *', '45 23 * * 6,0', '0 0 1 1 *', '*/7 1-3 * * *', '0 0 * * 7'];
  while (out.length < count) {
    const expr = [0, 1, 2, 3, 4].map((i) => field(rnd, i)).join(' ');
    if (checkCronExpression(expr).ok) out.push(expr);
  }
  return out;
}

/** Instants within a few hours of each offset change of `zone` between 2024 and 2027, and some at random. */
function instants(zone: string, rnd: () => number): number[] {
  // One formatter per zone: building one costs far more than formatting (26,000 hours are scanned).
  const format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
  const offset = (t: number): number => {
    const parts = format.formatToParts(new Date(t));
    const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
    return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute')) - Math.floor(t / 60_000) * 60_000;
  };
  const out: number[] = [];
  const start = Date.UTC(2024, 0, 1);
  const end = Date.UTC(2027, 0, 1);
  let previous = offset(start);
  for (let t = start; t < end; t += 3_600_000) {
    const o = offset(t);
    if (o !== previous) {
      for (let k = 0; k < 12; k++) out.push(t - 4 * 3_600_000 + Math.floor(rnd() * 8 * 3_600_000 / 60_000) * 60_000);
      // Exactly on the hour around the change, where the cron minutes fall.
      for (let h = -3; h <= 3; h++) out.push(t + h * 3_600_000);
    }
    previous = o;
  }
  for (let k = 0; k < 10; k++) out.push(start + Math.floor(rnd() * (end - start)));
  return out;
}

/** One comparison in this many also runs the full (slow) reference, whatever the quick check says. */
const FULL_REFERENCE_EVERY = 25;

describe('fire times (fast path) agree with croner', () => {
  const exprs = expressions(20_241_205, 36);
  // One test per zone.
  it.each(ZONES)('over generated expressions and instants in %s, DST transitions included', async (zone) => {
    const rnd = random(zone.length * 7919);
    const mismatches: string[] = [];
    let compared = 0;
    const times = instants(zone, rnd);
    for (let i = 0; i < exprs.length; i++) {
      // Let vitest's worker talk to its parent between expressions (a busy machine makes each take a while).
      await new Promise((resolve) => setImmediate(resolve));
      const expr = exprs[i]!;
      const cron = new Cron(expr, { timezone: zone, paused: true, legacyMode: true });
      // Every expression at a sample of the instants, in time order (as a daemon asks, so remembered answers
      // are used), then at other instants in random order; every 25th against the full reference. The quick
      // check already proves the answer against croner (it fires at `last`, and not again until after `now`);
      // the full one, which steps croner through widening windows and was half of this file's CPU at every
      // tenth, cross-checks that proof on a sample (about 480 comparisons, every zone and expression).
      const sample = times.filter((_, k) => (k + i) % 8 === 0);
      const asked = [...sample.sort((a, b) => a - b), ...sample.map((t) => t + Math.floor(rnd() * 3) * 60_000 - 1).sort(() => rnd() - 0.5)];
      for (const [k, now] of asked.entries()) {
        const fast = fireTimes(expr, zone, now);
        const next = croneNext(cron, now);
        compared++;
        // The quick check can miss a time moved by a gap (nextRun from just before it skips it): then the full one.
        const lastOk = (k % FULL_REFERENCE_EVERY !== 0 && croneAgreesOnLast(cron, now, fast.last)) || croneLast(cron, now) === fast.last;
        if (!lastOk || fast.next !== next) {
          mismatches.push(`${expr} ${zone} now=${iso(now)}: last ${iso(fast.last)} (croner ${iso(croneLast(cron, now))}); next ${iso(fast.next)} (croner ${iso(next)})`);
        }
      }
      cron.stop();
    }
    expect(mismatches.slice(0, 20)).toEqual([]);
    expect(compared).toBeGreaterThan(50);
  }, 300_000);

  it('fires once in a repeated hour, and after a skipped one at the same distance from its start', () => {
    const ny = 'America/New_York';
    // 2025-11-02 01:00-02:00 EDT is repeated as EST: 01:30 fires at its first occurrence only (west of UTC).
    expect(iso(fireTimes('30 1 * * *', ny, Date.parse('2025-11-02T07:00:00Z')).last)).toBe('2025-11-02T05:30:00.000Z');
    // 2025-03-09 02:00 EST jumps to 03:00 EDT: 02:30 fires at 03:30 EDT.
    expect(iso(fireTimes('30 2 * * *', ny, Date.parse('2025-03-09T08:00:00Z')).last)).toBe('2025-03-09T07:30:00.000Z');
    // 2025-10-26 02:00-03:00 CEST is repeated as CET: 02:30 fires at its second occurrence only (east of UTC).
    expect(iso(fireTimes('30 2 * * *', 'Europe/Berlin', Date.parse('2025-10-26T03:00:00Z')).last)).toBe('2025-10-26T01:30:00.000Z');
    // Santiago's clocks skip midnight: the midnight run comes at 01:00.
    const santiago = fireTimes('0 0 * * *', 'America/Santiago', Date.parse('2025-09-07T06:00:00Z'));
    expect(iso(santiago.last)).toBe(iso(croneLast(new Cron('0 0 * * *', { timezone: 'America/Santiago', paused: true, legacyMode: true }), Date.parse('2025-09-07T06:00:00Z'))));
  });
});

function iso(t: number | null): string | null {
  return t === null ? null : new Date(t).toISOString();
}
