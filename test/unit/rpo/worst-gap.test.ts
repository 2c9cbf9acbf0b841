// The worst case of schedules: exact figures for known shapes (weekdays, months, leap days, DST), and a
// differential test against croner (the builtin scheduler and the health computation's fire times).
import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { resolveHashedSchedule } from '../../../src/core/cron/expression.js';
import {
  plainCronFields, sameZoneUnionGapWalkingEveryDay, scheduleId, scheduleSetKeyOfIds, worstGapBoundOfSetMs, worstGapMs, worstGapWalkingEveryDay,
} from '../../../src/core/rpo/worst-gap.js';
import { expandCronFields } from '../../../src/core/cron/expression.js';
import { random } from '../../helpers/random-json.js';

const H = 3_600_000;
const D = 24 * H;
const Y2024 = Date.UTC(2024, 5, 1);

describe('worstGapMs', () => {
  it('measures daily, weekday, monthly and yearly schedules', () => {
    expect(worstGapMs([{ schedule: '0 2 * * *', timezone: 'UTC' }], Y2024)).toBe(24 * H);
    expect(worstGapMs([{ schedule: '0 2 * * 1-5', timezone: 'UTC' }], Y2024)).toBe(72 * H);
    expect(worstGapMs([{ schedule: '0 0 1 * *', timezone: 'UTC' }], Y2024)).toBe(31 * D);
    expect(worstGapMs([{ schedule: '0 0 1 1 *', timezone: 'UTC' }], Y2024)).toBe(366 * D);
    expect(worstGapMs([{ schedule: '0 0 1 1 *', timezone: 'UTC' }], Date.UTC(2025, 0, 1))).toBe(365 * D);
    expect(worstGapMs([{ schedule: '*/15 * * * *', timezone: 'UTC' }], Y2024)).toBe(H / 4);
  });

  it('follows a 29 February schedule into the next leap year', () => {
    expect(worstGapMs([{ schedule: '0 0 29 2 *', timezone: 'UTC' }], Date.UTC(2025, 0, 1))).toBe((366 + 365 * 3) * D);
  });

  it('counts the DST change: a nightly 02:30 in Berlin goes 25 hours once a year', () => {
    expect(worstGapMs([{ schedule: '30 2 * * *', timezone: 'Europe/Berlin' }], Y2024)).toBe(25 * H);
    expect(worstGapMs([{ schedule: '30 2 * * *', timezone: 'UTC' }], Y2024)).toBe(24 * H);
  });

  it('takes the union of several schedules', () => {
    expect(worstGapMs([{ schedule: '0 2 * * *', timezone: 'UTC' }, { schedule: '0 14 * * *', timezone: 'UTC' }], Y2024)).toBe(12 * H);
    expect(worstGapMs([{ schedule: '0 2 * * 1-5', timezone: 'UTC' }, { schedule: '0 2 * * 0,6', timezone: 'UTC' }], Y2024)).toBe(24 * H);
    expect(worstGapMs([{ schedule: '0 2 * * *', timezone: 'UTC' }, { schedule: '0 2 * * *', timezone: 'Asia/Tokyo' }], Y2024)).toBe(15 * H);
  });

  it('reads day of month and day of week as Debian cron does: a field starting with * does not widen the other', () => {
    // "*/2" counts as unrestricted, so only Mondays with an odd day of month fire (croner would OR them).
    const gap = worstGapMs([{ schedule: '0 1 */2 * 1', timezone: 'UTC' }], Y2024)!;
    expect(gap % (7 * D)).toBe(0);
    expect(gap).toBeGreaterThan(7 * D);
  });

  it('takes the union in one zone across its DST changes as croner fires them', () => {
    for (const pair of [['30 2 * * *', '30 14 * * *'], ['0 2 * * 1-5', '0 3 * * 6'], ['15 1 * * 0', '0 3 1,15 * *']]) {
      const zone = 'Europe/Berlin';
      expect(worstGapMs(pair.map((schedule) => ({ schedule, timezone: zone })), Y2024)).toBe(croneUnionGap(pair, zone, 2024));
    }
  });

  it('is null for no schedule', () => {
    expect(worstGapMs([], Y2024)).toBeNull();
  });

  it('agrees with croner on every gap it reports', () => {
    const expressions = [
      '30 2 * * *', '0 */6 * * *', '15 1 * * 0', '0 3 1,15 * *', '0 4 1 */3 *', '0 1 13 * 5',
      '45 23 * * 1-5', '0 0 31 * *', '0 2 * 3 *', 'H H(0-5) * * *', '0 2-4 * * 6', '@weekly', '@monthly',
    ];
    const zones = ['UTC', 'Europe/Berlin', 'Australia/Lord_Howe', 'America/Santiago'];
    for (const written of expressions) {
      const schedule = resolveHashedSchedule(written, 'orders-nightly');
      for (const timezone of zones) {
        expect({ schedule, timezone, gap: worstGapMs([{ schedule, timezone }], Y2024) })
          .toEqual({ schedule, timezone, gap: croneGap(schedule, timezone, 2024) });
      }
    }
  });
});

/** croner's fire times of several schedules, merged, up to the first fire of any after the year. */
function croneUnionGap(schedules: readonly string[], timezone: string, year: number): number | null {
  const end = Date.UTC(year + 1, 0, 1);
  const all: number[] = [];
  let cut = Infinity;
  for (const schedule of schedules) {
    const cron = new Cron(schedule, { timezone, paused: true, legacyMode: true });
    let cursor: Date | null = new Date(Date.UTC(year, 0, 1) - 1);
    while ((cursor = cron.nextRun(cursor)) !== null) {
      all.push(cursor.getTime());
      if (cursor.getTime() >= end + 2 * 86_400_000) {
        cut = Math.min(cut, cursor.getTime());
        break;
      }
    }
    cron.stop();
  }
  const sorted = all.filter((t) => t <= cut).sort((a, b) => a - b);
  let worst = 0;
  for (let i = 1; i < sorted.length; i++) worst = Math.max(worst, sorted[i]! - sorted[i - 1]!);
  return sorted.length < 2 ? null : worst;
}

/** The same figure from croner's fire times: every fire from 1 January to the first fire after the year. */
function croneGap(schedule: string, timezone: string, year: number): number | null {
  const cron = new Cron(schedule, { timezone, paused: true, legacyMode: true });
  const end = Date.UTC(year + 1, 0, 1);
  let cursor: Date | null = new Date(Date.UTC(year, 0, 1) - 1);
  let previous: number | null = null;
  let worst = 0;
  // Start at the first fire on or after 1 January (local day of the zone): croner counts from an instant.
  for (;;) {
    cursor = cron.nextRun(cursor);
    if (!cursor) break;
    const t = cursor.getTime();
    if (previous !== null) worst = Math.max(worst, t - previous);
    previous = t;
    if (t >= end + 2 * 86_400_000) break;
  }
  cron.stop();
  return previous === null ? null : worst;
}

describe('the weekly shortcut of a union in one zone', () => {
  // Unusual schedules: H spread, steps and ranges, weekdays, leap day, month ends (Quartz's L is refused by
  // validation: Debian cron has no L), every minute of an hour a clock change skips or repeats.
  const written = [
    'H H * * *', 'H H(0-5) * * *', 'H H(1-4) * * 1-5', '30 2 * * *', '0 2 * * *', '59 1 * * *', '0 3 * * 0',
    '*/20 1-3 * * *', '0 */7 * * *', '15 2 * * 6,0', '0 0 29 2 *', '0 23 28-31 * *', '0 12 1-7 * 1', '0 2 */2 * *',
    '45 2 * 3,10 *', '10 2-3 * * 1-5/2', '0 0 * * 7', '5 4 1 * 1', '0 1 * * *',
  ];
  const zones = ['Europe/Berlin', 'America/New_York', 'UTC', 'Australia/Lord_Howe', 'America/Santiago'];
  const years = [2024, 2025, 2026];

  it('gives the answer of the walk over every day, for every pair and triple of those schedules', () => {
    const schedules = written.map((w, i) => resolveHashedSchedule(w, `definition-${i}`));
    let compared = 0;
    for (const timezone of zones) {
      for (const year of years) {
        const from = Date.UTC(year, 5, 1);
        for (let i = 0; i < schedules.length; i++) {
          for (let j = i + 1; j < schedules.length; j++) {
            const union = [schedules[i]!, schedules[j]!, ...(j + 3 < schedules.length ? [schedules[j + 3]!] : [])].map((schedule) => ({ schedule, timezone }));
            expect({ union, year, gap: worstGapMs(union, from) }).toEqual({ union, year, gap: sameZoneUnionGapWalkingEveryDay(union, from) });
            compared++;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(2000);
  });

  it('agrees with croner across the DST changes of Berlin and New York', () => {
    // Few, and with few fires: croner steps through every fire of the year.
    const sets = { 'Europe/Berlin': [['30 2 * * *', '0 14 * * 1-5'], ['0 0 * * 7', '15 2 * * 1-5', '0 23 * * *']], 'America/New_York': [['59 1 * * *', '30 2 * * 6,0'], ['30 1 * * 1-5', '0 3 * * 0']] };
    for (const [timezone, zoneSets] of Object.entries(sets)) {
      for (const year of [2025]) {
        for (const set of zoneSets) {
          expect({ set, timezone, year, gap: worstGapMs(set.map((schedule) => ({ schedule, timezone })), Date.UTC(year, 5, 1)) })
            .toEqual({ set, timezone, year, gap: croneUnionGap(set, timezone, year) });
        }
      }
    }
  });
});

describe('the weekly fast path on random schedules', () => {
  // Exact agreement (not approximate) with the walks over every day, which compute every firing day's
  // instants: random sets of one to three schedules in zones with DST gaps and overlaps (Lord Howe's is half
  // an hour, Santiago changes at midnight), times in the hours the clock skips or repeats, minute 59, H
  // spread, weekday lists and ranges, and (for the fallback) days of month, months and 29 February.
  const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'America/Santiago', 'Asia/Kolkata'];
  const next = random(14);
  const pick = <T,>(values: readonly T[]): T => values[Math.floor(next() * values.length)]!;
  const int = (from: number, to: number) => from + Math.floor(next() * (to - from + 1));
  function randomSchedule(i: number): string {
    const minute = pick(['0', '59', '30', String(int(0, 59)), `*/${int(5, 30)}`, `${int(0, 29)},${int(30, 59)}`, 'H']);
    const hour = pick(['0', '1', '2', '3', '23', String(int(0, 23)), `${int(0, 3)}-${int(4, 6)}`, `*/${int(2, 8)}`, 'H', 'H(0-5)', '2,14']);
    const weekday = pick(['*', '*', '*', '1-5', '0,6', '7', '1', '6', `${int(0, 6)}`, '1-5/2', 'H', '0-6']);
    // Mostly every day of the month (the weekly path); sometimes not (the whole-window walk).
    const day = next() < 0.85 ? pick(['*', '*', '1-31', '*/1']) : pick(['29', '1,15', '*/2', '28-31', '13', '1-7']);
    const month = next() < 0.92 ? pick(['*', '1-12']) : pick(['2', '*/3', '3,10', '2-3']);
    const written = next() < 0.02 ? '0 0 29 2 *' : `${minute} ${hour} ${day} ${month} ${weekday}`;
    return resolveHashedSchedule(written, `random-${i}`);
  }

  it('gives the walks\' answer, for single schedules and unions, in one zone and across zones', () => {
    let compared = 0;
    let weekly = 0;
    let bounded = 0;
    for (let i = 0; i < 250; i++) {
      const timezone = pick(zones);
      const count = pick([1, 1, 2, 2, 3]);
      const set = Array.from({ length: count }, (_, k) => ({ schedule: randomSchedule(i * 3 + k), timezone: next() < 0.1 ? pick(zones) : timezone }));
      const from = Date.UTC(pick([2024, 2025, 2026, 2027, 2100]), int(0, 11), 1);
      const everyDay = (s: { schedule: string }) => ['*', '1-31', '*/1'].includes(s.schedule.split(' ')[2]!) && ['*', '1-12'].includes(s.schedule.split(' ')[3]!);
      if (set.every((s) => everyDay(s) && s.timezone === set[0]!.timezone)) weekly++;
      const gap = worstGapMs(set, from);
      expect({ set, from, gap }).toEqual({ set, from, gap: worstGapWalkingEveryDay(set, from) });
      // The bound rpoBreaches asks first never understates the worst case.
      const bound = worstGapBoundOfSetMs(scheduleSetKeyOfIds(set.map((s) => scheduleId(s.schedule, s.timezone))));
      if (bound !== null) {
        expect(gap).not.toBeNull();
        expect({ set, gap, bounded: gap! <= bound }).toEqual({ set, gap, bounded: true });
        bounded++;
      }
      compared++;
    }
    expect(compared).toBe(250);
    expect(bounded).toBeGreaterThan(5);
    expect(weekly).toBeGreaterThan(60);
  });

  it('measures the DST gap and overlap of a weekly schedule as croner fires it', () => {
    // 02:30 is skipped in spring and repeated in autumn (Berlin, New York); Lord Howe moves by half an hour.
    const cases: Array<[string, string]> = [['59 1 * * 0', 'America/New_York'], ['45 1 * * 1-5', 'Australia/Lord_Howe'], ['0 0 * * 6', 'America/Santiago'], ['59 2 * * 6,0', 'Europe/Berlin']];
    for (const [schedule, timezone] of cases) {
      expect({ schedule, timezone, gap: worstGapMs([{ schedule, timezone }], Date.UTC(2025, 5, 1)) })
        .toEqual({ schedule, timezone, gap: croneGap(schedule, timezone, 2025) });
    }
  });
});

describe('plainCronFields', () => {
  it('expands numbers, ranges and stars as expandCronFields does, and leaves everything else to it', () => {
    const next = random(29);
    const field = (min: number, max: number) => {
      const a = min + Math.floor(next() * (max - min + 1));
      const b = min + Math.floor(next() * (max - min + 1));
      return next() < 0.3 ? '*' : next() < 0.5 ? String(a) : next() < 0.1 ? `0${a}` : `${Math.min(a, b)}-${Math.max(a, b)}`;
    };
    for (let i = 0; i < 500; i++) {
      const expr = [field(0, 59), field(0, 23), field(1, 31), field(1, 12), field(0, 7)].join(' ');
      expect({ expr, fields: plainCronFields(expr) }).toEqual({ expr, fields: expandCronFields(expr) });
    }
    for (const other of ['*/5 * * * *', '0 2 * * mon', '0 2 1,15 * *', '@daily', '0  2 * * *', ' 0 2 * * *', '60 2 * * *', '0 5-2 * * *', '0 2 * * 8', '0 2 0 * *']) {
      expect({ other, fields: plainCronFields(other) }).toEqual({ other, fields: null });
    }
  });
});
