import { describe, expect, it } from 'vitest';
import { isoTimestamp } from '../../../src/core/time/iso-timestamp.js';
import { BUCKET_KEY, bucketLabel, localDayOf, type CalendarBucket } from '../../../src/core/time/zoned-calendar.js';

describe('calendar buckets', () => {
  it('bucket keys change exactly where the labels change, from 1900 to 2100', () => {
    for (const bucket of ['day', 'week', 'month', 'year'] as CalendarBucket[]) {
      let previous = { key: BUCKET_KEY[bucket](-25_568), label: bucketLabel(bucket, -25_568) };
      for (let day = -25_567; day <= 47_482; day++) {
        const current = { key: BUCKET_KEY[bucket](day), label: bucketLabel(bucket, day) };
        if ((current.key === previous.key) !== (current.label === previous.label) || current.key < previous.key) {
          throw new Error(`${bucket} of day ${day}: ${JSON.stringify(previous)} -> ${JSON.stringify(current)}`);
        }
        previous = current;
      }
    }
  });

  it('a local day is a calendar day in the zone, across DST changes', () => {
    const oslo = localDayOf('Europe/Oslo');
    const label = (iso: string) => bucketLabel('day', oslo(Date.parse(iso)));
    expect(label('2026-03-28T23:30:00Z')).toBe('2026-03-29'); // 00:30 CET
    expect(label('2026-03-29T21:59:00Z')).toBe('2026-03-29'); // 23:59 CEST, the 23-hour day
    expect(label('2026-10-25T22:59:00Z')).toBe('2026-10-25'); // 23:59 CET, the 25-hour day
    // Lord Howe moves by half an hour; Kolkata is never on a whole hour.
    const lordHowe = (iso: string) => bucketLabel('day', localDayOf('Australia/Lord_Howe')(Date.parse(iso)));
    expect([lordHowe('2026-07-01T13:29:00Z'), lordHowe('2026-07-01T13:30:00Z')]).toEqual(['2026-07-01', '2026-07-02']); // +10:30
    expect([lordHowe('2026-01-15T12:59:00Z'), lordHowe('2026-01-15T13:00:00Z')]).toEqual(['2026-01-15', '2026-01-16']); // +11:00
    expect(bucketLabel('day', localDayOf('Asia/Kolkata')(Date.parse('2026-04-04T18:29:00Z')))).toBe('2026-04-04');
    expect(bucketLabel('day', localDayOf('Asia/Kolkata')(Date.parse('2026-04-04T18:30:00Z')))).toBe('2026-04-05');
  });
});

describe('isoTimestamp', () => {
  it('is exactly what Date.prototype.toISOString gives', () => {
    const instants = [0, -1, 1, 999, -86_400_001, Date.UTC(2026, 10, 20, 1, 30, 5, 7), Date.UTC(1969, 11, 31, 23, 59, 59, 999),
      Date.UTC(1, 0, 1), Date.UTC(9999, 11, 31, 23, 59, 59, 999), Date.UTC(10_000, 0, 1), Date.UTC(-1, 5, 1), Date.UTC(2024, 1, 29, 12)];
    let seed = 11;
    for (let i = 0; i < 20_000; i++) instants.push(Math.floor(((seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647 - 0.3) * 1e13));
    for (const t of instants) expect(isoTimestamp(t), String(t)).toBe(new Date(t).toISOString());
  });
});
