import { describe, expect, it } from 'vitest';
import { calendarKeys } from '../../../src/core/time/zoned-calendar.js';
import { parseDuration, subtractDuration } from '../../../src/core/time/duration.js';
import { at, decide, failed, keptIds, ok, type NamedRun } from './named-runs.js';

/** One backup a day at 01:30 UTC for `days` days ending on `last`. */
function daily(days: number, last = '2026-11-20T01:30:00Z'): NamedRun[] {
  const end = at(last);
  return Array.from({ length: days }, (_, i) => ok(`d${String(i).padStart(3, '0')}`, new Date(end - i * 86_400_000).toISOString()));
}

describe('parseDuration', () => {
  it('reads units and combinations', () => {
    expect(parseDuration('7d')).toEqual({ months: 0, milliseconds: 7 * 86_400_000 });
    expect(parseDuration('1d12h')).toEqual({ months: 0, milliseconds: 36 * 3_600_000 });
    expect(parseDuration('1y6mo')).toEqual({ months: 18, milliseconds: 0 });
    expect(parseDuration('30m')).toEqual({ months: 0, milliseconds: 1_800_000 });
    expect(parseDuration('7')).toBeNull();
    expect(parseDuration('d7')).toBeNull();
    expect(parseDuration('')).toBeNull();
  });
});

describe('selectRetention', () => {
  const now = at('2026-11-20T12:00:00Z');

  it('keepLast keeps the N newest successful backups only', () => {
    const d = decide(daily(5), { keepLast: 2 }, 'UTC', now);
    expect(keptIds(d)).toEqual(['d000', 'd001']);
    expect(d.find((x) => x.id === 'd004')).toMatchObject({ keep: false, reasons: ['no retention rule keeps it'] });
  });

  it('always keeps the newest successful backup, whatever the policy', () => {
    const d = decide(daily(3), { keepWithin: '1h' }, 'UTC', now);
    expect(keptIds(d)).toEqual(['d000']);
    expect(d[0]!.reasons).toContain('newest successful backup');
  });

  it('keepWithin months are calendar months, clamped to the month end', () => {
    expect(new Date(subtractDuration(at('2026-03-31T10:00:00Z'), parseDuration('1mo')!, 'UTC')).toISOString()).toBe('2026-02-28T10:00:00.000Z');
    expect(new Date(subtractDuration(at('2026-03-31T10:00:00Z'), parseDuration('1y1d')!, 'UTC')).toISOString()).toBe('2025-03-30T10:00:00.000Z');
  });

  it('keepWithin months are counted on the definition timezone\'s calendar, days are 24 hours', () => {
    // 2026-03-31T22:30Z is 1 April 00:30 in Oslo (CEST); a month before is 1 March 00:30 CET = 2026-02-28T23:30Z.
    // Counted in UTC it would be 2026-02-28T22:30Z, and a backup at 1 March 00:00 local would count as within.
    const newest = '2026-03-31T22:30:00Z';
    expect(new Date(subtractDuration(at(newest), parseDuration('1mo')!, 'Europe/Oslo')).toISOString()).toBe('2026-02-28T23:30:00.000Z');
    const runs = [ok('newest', newest), ok('inside', '2026-02-28T23:30:00Z'), ok('outside', '2026-02-28T23:00:00Z')];
    expect(keptIds(decide(runs, { keepWithin: '1mo' }, 'Europe/Oslo', now))).toEqual(['inside', 'newest']);
    expect(keptIds(decide(runs, { keepWithin: '1mo' }, 'UTC', now))).toEqual(['inside', 'newest', 'outside']);
    // Across the spring DST change (29 March in Oslo, a 23-hour day) 1d is still 24 hours, not a calendar day.
    expect(new Date(subtractDuration(at('2026-03-29T12:00:00Z'), parseDuration('1d')!, 'Europe/Oslo')).toISOString()).toBe('2026-03-28T12:00:00.000Z');
  });

  it('keepWithin includes its boundary: a backup exactly D before the newest is kept', () => {
    const runs = [ok('newest', '2026-11-20T01:30:00Z'), ok('edge', '2026-11-17T01:30:00Z'), ok('older', '2026-11-17T01:29:59.999Z')];
    expect(keptIds(decide(runs, { keepWithin: '3d' }, 'UTC', now))).toEqual(['edge', 'newest']);
  });

  it('keepWithin counts back from the newest backup, not from now', () => {
    // Backups stopped 30 days ago: nothing ages out merely because time passed.
    const old = daily(10, '2026-10-20T01:30:00Z');
    expect(keptIds(decide(old, { keepWithin: '3d' }, 'UTC', now))).toEqual(['d000', 'd001', 'd002', 'd003']);
  });

  it('keepDaily keeps the newest backup of each of the last N days that have one', () => {
    const runs = [ok('a', '2026-11-20T13:00:00Z'), ok('b', '2026-11-20T01:00:00Z'), ok('c', '2026-11-18T01:00:00Z'), ok('d', '2026-11-17T23:00:00Z'), ok('e', '2026-11-16T01:00:00Z')];
    expect(keptIds(decide(runs, { keepDaily: 3 }, 'UTC', now))).toEqual(['a', 'c', 'd']);
  });

  it('tiers overlap: one backup can satisfy daily, weekly and monthly at once', () => {
    const d = decide(daily(70), { keepDaily: 7, keepWeekly: 4, keepMonthly: 3 }, 'UTC', now);
    const newest = d.find((x) => x.id === 'd000')!;
    expect(newest.reasons.some((r) => r.startsWith('keepDaily'))).toBe(true);
    expect(newest.reasons.some((r) => r.startsWith('keepWeekly'))).toBe(true);
    expect(newest.reasons.some((r) => r.startsWith('keepMonthly'))).toBe(true);
    // Daily: Nov 20..14 (d000-d006). Weekly (ISO weeks end on Sunday): W47 and W46 are already held by
    // daily picks (Nov 20, Nov 15); W45 -> Nov 8 (d012), W44 -> Nov 1 (d019). Monthly: Nov -> Nov 20,
    // Oct -> Oct 31 (d020), Sep -> Sep 30 (d051).
    expect(keptIds(d)).toEqual(['d000', 'd001', 'd002', 'd003', 'd004', 'd005', 'd006', 'd012', 'd019', 'd020', 'd051']);
  });

  it('uses the definition timezone for days: 23:30 UTC is the next day in Oslo', () => {
    const runs = [ok('late', '2026-11-19T23:30:00Z'), ok('early', '2026-11-19T08:00:00Z')];
    expect(keptIds(decide(runs, { keepDaily: 2 }, 'UTC', now))).toEqual(['late']);
    expect(keptIds(decide(runs, { keepDaily: 2 }, 'Europe/Oslo', now))).toEqual(['early', 'late']);
  });

  it('handles DST days: the 23-hour and 25-hour days are single days', () => {
    // Europe/Oslo: 2026-03-29 has 23 hours, 2026-10-25 has 25.
    expect(calendarKeys(at('2026-03-28T23:30:00Z'), 'Europe/Oslo').day).toBe('2026-03-29'); // 00:30 CET
    expect(calendarKeys(at('2026-03-29T21:59:00Z'), 'Europe/Oslo').day).toBe('2026-03-29'); // 23:59 CEST
    expect(calendarKeys(at('2026-03-29T22:00:00Z'), 'Europe/Oslo').day).toBe('2026-03-30');
    expect(calendarKeys(at('2026-10-24T22:30:00Z'), 'Europe/Oslo').day).toBe('2026-10-25'); // 00:30 CEST
    expect(calendarKeys(at('2026-10-25T22:59:00Z'), 'Europe/Oslo').day).toBe('2026-10-25'); // 23:59 CET
    const runs = [ok('fallback-late', '2026-10-25T22:59:00Z'), ok('fallback-early', '2026-10-24T22:30:00Z'), ok('before', '2026-10-24T21:59:00Z')];
    expect(keptIds(decide(runs, { keepDaily: 2 }, 'Europe/Oslo', now))).toEqual(['before', 'fallback-late']);
  });

  it('uses ISO weeks across a year boundary', () => {
    expect(calendarKeys(at('2026-12-31T12:00:00Z'), 'UTC').week).toBe('2026-W53');
    expect(calendarKeys(at('2027-01-03T12:00:00Z'), 'UTC').week).toBe('2026-W53');
    expect(calendarKeys(at('2027-01-04T12:00:00Z'), 'UTC').week).toBe('2027-W01');
  });

  it('never expires anything while the latest run failed', () => {
    const runs = [failed('f1', '2026-11-20T01:30:00Z'), ...daily(5, '2026-11-19T01:30:00Z')];
    const d = decide(runs, { keepLast: 1 }, 'UTC', now);
    expect(d.every((x) => x.keep)).toBe(true);
    expect(d.find((x) => x.id === 'd004')!.reasons[0]).toMatch(/latest run failed/);
  });

  it('keeps the failure that freezes the group past keepFailedFor, so a later pass with no new run expires nothing', () => {
    // Prune is idempotent when nothing new happened: once the failed run is older than keepFailedFor, expiring
    // its row would lift the freeze on the next pass and expire backups that this pass kept.
    const runs = [failed('f1', '2026-10-01T01:30:00Z'), ...daily(5, '2026-09-30T01:30:00Z')];
    const policy = { keepLast: 1, keepFailedFor: '14d' };
    const early = decide(runs, policy, 'UTC', at('2026-10-02T00:00:00Z'));
    const late = decide(runs, policy, 'UTC', at('2026-12-31T00:00:00Z'));
    expect(early.every((x) => x.keep)).toBe(true);
    expect(late.every((x) => x.keep)).toBe(true);
    expect(late.find((x) => x.id === 'f1')!.reasons).toEqual([expect.stringMatching(/^latest finished run, failed: kept past keepFailedFor/)]);
  });

  it('expires an older failure by keepFailedFor while the newest one holds the freeze', () => {
    const runs = [failed('f2', '2026-10-02T01:30:00Z'), failed('f1', '2026-10-01T01:30:00Z'), ...daily(3, '2026-09-30T01:30:00Z')];
    const d = decide(runs, { keepLast: 1, keepFailedFor: '14d' }, 'UTC', now);
    expect(keptIds(d)).toEqual(['d000', 'd001', 'd002', 'f2']);
    expect(d.find((x) => x.id === 'f1')).toMatchObject({ keep: false, reasons: ['failed run older than keepFailedFor 14d'] });
  });

  it('counts an abandoned newest run as unsuccessful (nothing expires) and a skipped one as no outcome', () => {
    const olderBackups = daily(4, '2026-11-19T01:30:00Z');
    const abandoned: NamedRun = { id: 'a', startedAt: at('2026-11-20T01:30:00Z'), status: 'abandoned' };
    const skipped: NamedRun = { id: 'k', startedAt: at('2026-11-20T01:30:00Z'), status: 'skipped' };
    expect(decide([abandoned, ...olderBackups], { keepLast: 1 }, 'UTC', now).every((x) => x.keep)).toBe(true);
    expect(keptIds(decide([skipped, ...olderBackups], { keepLast: 1 }, 'UTC', now))).toEqual(['d000', 'k']);
  });

  it('expires again once a newer backup succeeded after failures', () => {
    const runs = [ok('new', '2026-11-20T03:00:00Z'), failed('f1', '2026-11-20T01:30:00Z'), failed('f0', '2026-11-19T01:30:00Z'), ...daily(3, '2026-11-18T01:30:00Z')];
    expect(keptIds(decide(runs, { keepLast: 2 }, 'UTC', now))).toEqual(['d000', 'f0', 'f1', 'new']);
  });

  it('never deletes anything when no backup ever succeeded', () => {
    const runs = [failed('f1', '2026-11-20T01:30:00Z')];
    expect(decide(runs, { keepLast: 1 }, 'UTC', now).every((x) => x.keep)).toBe(true);
  });

  it('expires failed-run logs after keepFailedFor', () => {
    const runs = [ok('s', '2026-11-20T01:30:00Z'), failed('recent', '2026-11-15T01:30:00Z'), failed('old', '2026-10-01T01:30:00Z')];
    const d = decide(runs, { keepLast: 1, keepFailedFor: '14d' }, 'UTC', now);
    expect(keptIds(d)).toEqual(['recent', 's']);
  });

  it('leaves running, skipped and abandoned runs alone, and finishes interrupted expiries', () => {
    const runs: NamedRun[] = [
      { id: 'r', startedAt: at('2026-11-20T05:00:00Z'), status: 'running' },
      { id: 'k', startedAt: at('2026-11-20T04:00:00Z'), status: 'skipped' },
      { id: 'a', startedAt: at('2026-11-20T03:00:00Z'), status: 'abandoned' },
      { id: 'x', startedAt: at('2026-11-01T03:00:00Z'), status: 'expiring' },
      ok('s', '2026-11-20T01:30:00Z'),
    ];
    const d = decide(runs, { keepLast: 1 }, 'UTC', now);
    expect(keptIds(d)).toEqual(['a', 'k', 'r', 's']);
  });
});

describe('calendar arithmetic', () => {
  it('civilFromDays agrees with Date for every day from 1900 to 2100', async () => {
    const { civilFromDays, isoWeekLabel } = await import('../../../src/core/time/zoned-calendar.js');
    for (let day = -25_567; day <= 47_482; day++) {
      const d = new Date(day * 86_400_000);
      const c = civilFromDays(day);
      if (c.year !== d.getUTCFullYear() || c.month !== d.getUTCMonth() + 1 || c.day !== d.getUTCDate()) {
        throw new Error(`day ${day}: ${JSON.stringify(c)} vs ${d.toISOString()}`);
      }
    }
    expect(isoWeekLabel(Date.UTC(2021, 0, 3) / 86_400_000)).toBe('2020-W53');
    expect(isoWeekLabel(Date.UTC(2024, 11, 30) / 86_400_000)).toBe('2025-W01');
  });
});

describe('selectRetention: order and explanations', () => {
  const now = at('2026-11-20T12:00:00Z');

  it('puts every decision into words: the rules that keep a backup, or why it expires', () => {
    const runs = [
      ok('newest', '2026-11-20T01:30:00Z'),
      ok('second', '2026-11-19T01:30:00Z'),
      ok('lastweek', '2026-11-13T01:30:00Z'),
      ok('lastyear', '2025-06-01T01:30:00Z'),
      ok('older', '2025-05-01T01:30:00Z'),
      failed('failnew', '2026-11-18T01:30:00Z'),
      failed('failold', '2026-10-01T01:30:00Z'),
      { id: 'skip', startedAt: at('2026-11-17T01:30:00Z'), status: 'skipped' as const },
      { id: 'tomb', startedAt: at('2024-01-01T01:30:00Z'), status: 'expiring' as const },
    ];
    const reasons = Object.fromEntries(decide(runs, { keepLast: 2, keepWithin: '1d', keepWeekly: 2, keepYearly: 2 }, 'UTC', now).map((d) => [d.id, [d.keep, d.reasons]]));
    expect(reasons).toEqual({
      newest: [true, ['newest successful backup', 'keepLast (1 of 2)', 'keepWithin 1d', 'keepWeekly (2026-W47)', 'keepYearly (2026)']],
      second: [true, ['keepLast (2 of 2)', 'keepWithin 1d']],
      lastweek: [true, ['keepWeekly (2026-W46)']],
      lastyear: [true, ['keepYearly (2025)']],
      older: [false, ['no retention rule keeps it']],
      failnew: [true, ['failed run log kept for 14d']],
      failold: [false, ['failed run older than keepFailedFor 14d']],
      skip: [true, ['skipped runs are not subject to retention']],
      tomb: [false, ['already being expired (finishing an interrupted deletion)']],
    });
  });

  it('names the day and month of the calendar rules in the definition timezone', () => {
    const runs = [ok('late', '2026-10-31T23:30:00Z')]; // 1 November 00:30 in Oslo
    expect(decide(runs, { keepDaily: 1, keepMonthly: 1 }, 'Europe/Oslo', now)[0]!.reasons)
      .toEqual(['newest successful backup', 'keepDaily (2026-11-01)', 'keepMonthly (2026-11)']);
  });

  it('lists decisions newest first, whatever order the runs come in, and orders equal start times by id', () => {
    const runs = [ok('b', '2026-11-19T01:30:00Z'), ok('c', '2026-11-20T01:30:00Z'), ok('a', '2026-11-19T01:30:00Z'), ok('d', '2026-11-18T01:30:00Z')];
    for (const input of [runs, [...runs].reverse(), [runs[2]!, runs[0]!, runs[3]!, runs[1]!]]) {
      const d = decide(input, { keepLast: 2 }, 'UTC', now);
      expect(d.map((x) => x.id)).toEqual(['c', 'b', 'a', 'd']);
      expect(keptIds(d)).toEqual(['b', 'c']); // of the two at 19 November, the higher id counts as the newer
    }
  });

  it('a frozen definition says why nothing expires', () => {
    const runs = [failed('f', '2026-11-20T01:30:00Z'), ok('s1', '2026-11-19T01:30:00Z'), ok('s2', '2026-11-18T01:30:00Z')];
    expect(decide(runs, { keepLast: 1 }, 'UTC', now).map((d) => d.reasons)).toEqual([
      ['failed run log kept for 14d'],
      ['newest successful backup', 'keepLast (1 of 1)'],
      ['the latest run failed or was abandoned: nothing expires until a newer backup succeeds'],
    ]);
  });
});
