import { describe, expect, it } from 'vitest';
import { definitionHealth, nextExpectedRun, summariseRuns } from '../../../src/core/reports/definition-health.js';
import { expiryOf } from '../../../src/core/reports/expiry.js';
import { formatDuration, renderTable } from '../../../src/core/reports/format.js';
import { shellCommand } from '../../../src/core/reports/show-report.js';

const T = (iso: string) => Date.parse(iso);

describe('summariseRuns + definitionHealth', () => {
  const def = { name: 'd', schedule: '0 2 * * *', timezone: 'Europe/Paris', scheduled: true };
  it('Healthy after the expected run succeeded; Late when the next one did not start; Failing on a failed latest verdict', () => {
    const ok = summariseRuns([{ status: 'succeeded', startedAt: T('2026-11-20T01:00:00Z'), finishedAt: T('2026-11-20T01:10:00Z') }]);
    expect(definitionHealth(def, ok, T('2026-11-20T12:00:00Z')).state).toBe('Healthy');
    expect(definitionHealth(def, ok, T('2026-11-21T01:30:00Z')).state).toBe('Late');
    const failed = summariseRuns([
      { status: 'succeeded', startedAt: T('2026-11-19T01:00:00Z'), finishedAt: T('2026-11-19T01:10:00Z') },
      { status: 'abandoned', startedAt: T('2026-11-20T01:00:00Z'), finishedAt: T('2026-11-20T02:00:00Z') },
      { status: 'skipped', startedAt: T('2026-11-20T01:00:01Z'), finishedAt: T('2026-11-20T01:00:01Z') },
    ]);
    expect(failed).toMatchObject({ lastVerdict: 'failed', lastStatus: 'skipped', lastSuccessAt: T('2026-11-19T01:10:00Z') });
    expect(definitionHealth(def, failed, T('2026-11-20T12:00:00Z')).state).toBe('Failing');
    expect(definitionHealth(def, summariseRuns([]), T('2026-11-20T12:00:00Z')).state).toBe('Never run');
    expect(definitionHealth({ ...def, scheduled: false }, ok, T('2026-11-20T12:00:00Z')).state).toBe('Unscheduled');
  });

  it('next run in the definition time zone, across a DST change', () => {
    // 02:00 Paris is 01:00Z in winter and 00:00Z in summer (from 29 March 2026).
    expect(new Date(nextExpectedRun('0 2 * * *', 'Europe/Paris', T('2026-03-20T12:00:00Z'))!).toISOString()).toBe('2026-03-21T01:00:00.000Z');
    expect(new Date(nextExpectedRun('0 2 * * *', 'Europe/Paris', T('2026-03-30T12:00:00Z'))!).toISOString()).toBe('2026-03-31T00:00:00.000Z');
  });
});

describe('expiryOf', () => {
  const started = T('2026-01-31T10:00:00Z');
  it('failed runs expire keepFailedFor after they started at the earliest (default 14d; the newest failure stays while it is the newest); keepWithin alone gives the earliest expiry', () => {
    expect(expiryOf({ status: 'failed', startedAt: started, retention: { keepLast: 3 }, timeZone: 'UTC' })).toEqual({ kind: 'at', at: T('2026-02-14T10:00:00Z'), earliest: true });
    expect(expiryOf({ status: 'failed', startedAt: started, retention: { keepLast: 3, keepFailedFor: '1mo' }, timeZone: 'UTC' })).toEqual({ kind: 'at', at: T('2026-02-28T10:00:00Z'), earliest: true });
    expect(expiryOf({ status: 'succeeded', startedAt: started, retention: { keepWithin: '7d' }, timeZone: 'UTC' })).toEqual({ kind: 'at', at: T('2026-02-07T10:00:00Z'), earliest: true });
  });
  it('count rules make it unknown; expiring is now; no retention is unknown', () => {
    expect(expiryOf({ status: 'succeeded', startedAt: started, retention: { keepWithin: '7d', keepDaily: 7 }, timeZone: 'UTC' })).toEqual({ kind: 'unknown' });
    expect(expiryOf({ status: 'expiring', startedAt: started, retention: null, timeZone: 'UTC' })).toEqual({ kind: 'now' });
    expect(expiryOf({ status: 'succeeded', startedAt: started, retention: null, timeZone: 'UTC' })).toEqual({ kind: 'unknown' });
  });
});

describe('formatting', () => {
  it('durations, tables, shell quoting', () => {
    expect([formatDuration(4200), formatDuration(187_000), formatDuration(7_500_000), formatDuration(null)]).toEqual(['4.2s', '3m07s', '2h05m', '-']);
    expect(renderTable(['A', 'LONG'], [['xx', 'y'], ['z', '']])).toEqual(['A   LONG', 'xx  y', 'z']);
    expect(shellCommand(['pgbackops', 'restore', "it's x", 'a b'])).toBe(`pgbackops restore 'it'\\''s x' 'a b'`);
  });
});
