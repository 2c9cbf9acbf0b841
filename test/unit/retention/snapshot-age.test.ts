// A Snapshot's backups (retention recorded as { expireAfter: keepFor }) expire at a fixed age, the newest
// one included; failed runs' logs follow keepFailedFor as everywhere else.
import { describe, expect, it } from 'vitest';
import { expiryOf } from '../../../src/core/reports/expiry.js';
import { at, decide, failed, ok } from './named-runs.js';

describe('snapshot retention (expireAfter)', () => {
  const now = at('2026-11-20T12:00:00Z');

  it('keeps a backup younger than keepFor and expires an older one, newest included', () => {
    const d = decide([ok('young', '2026-11-01T02:30:00Z'), ok('old', '2026-10-01T02:30:00Z')], { expireAfter: '30d' }, 'UTC', now);
    expect(d).toEqual([
      expect.objectContaining({ id: 'young', keep: true, reasons: ['snapshot kept for 30d after it was taken (until 2026-12-01T02:30:00.000Z)'] }),
      expect.objectContaining({ id: 'old', keep: false, reasons: ['snapshot older than its keepFor 30d (expired at 2026-10-31T02:30:00.000Z)'] }),
    ]);
    // The only backup expires too: a snapshot is kept for a stated time, not as the last copy.
    expect(decide([ok('only', '2026-01-01T00:00:00Z')], { expireAfter: '30d' }, 'UTC', now)[0]!.keep).toBe(false);
  });

  it('counts calendar months, expires exactly at the age, and keeps failed logs by keepFailedFor', () => {
    const d = decide([
      ok('jan31', '2026-01-31T00:00:00Z'),
      ok('edge', '2026-10-20T12:00:00Z'),
      failed('fail', '2026-11-15T00:00:00Z'),
    ], { expireAfter: '1mo' }, 'UTC', now);
    expect(d.find((x) => x.id === 'edge')).toMatchObject({ keep: false }); // exactly one month old
    expect(d.find((x) => x.id === 'jan31')).toMatchObject({ keep: false });
    expect(d.find((x) => x.id === 'fail')).toMatchObject({ keep: true, reasons: ['failed run log kept for 14d'] });
  });

  it('reports the exact expiry of such a backup', () => {
    expect(expiryOf({ status: 'succeeded', startedAt: at('2026-01-31T10:00:00Z'), retention: { expireAfter: '1mo' }, timeZone: 'UTC' }))
      .toEqual({ kind: 'at', at: at('2026-02-28T10:00:00Z'), earliest: false });
  });
});
