// The cursors `backups --after` and `history --after` take back: what a page prints is what the next accepts,
// and anything else is refused (a usage error), never read as a time or a partial cursor.
import { describe, expect, test } from 'vitest';
import { formatHistoryCursor, formatPageCursor, parseHistoryCursor, parsePageCursor } from '../../../src/core/reports/page-cursor.js';

const ID = '3f2a9c1e-8b7d-4e21-9c3a-5d6e7f801234';
const AT = '2026-12-06T01:30:00.000123Z';

describe('page cursors', () => {
  test('a backups cursor round-trips, to the microsecond', () => {
    const text = formatPageCursor({ startedAt: AT, id: ID });
    expect(text).toBe(`${AT}_${ID}`);
    expect(parsePageCursor(text)).toEqual({ startedAt: AT, id: ID });
    expect(parsePageCursor(` ${text.toUpperCase().replace('T01', 'T01')} `)?.id).toBe(ID);
  });

  test.each(['', 'yesterday', '2026-12-06', `${AT}`, `${AT}_`, `2026-12-06T01:30:00Z_${ID}`, `2026-13-45T01:30:00.000000Z_${ID}`, `${AT}_${ID}x`, `${AT}_12`])(
    'refuses %j', (text) => expect(parsePageCursor(text)).toBeNull(),
  );

  test('a history cursor holds where each list stopped, end for a finished one', () => {
    const applies = { startedAt: AT, id: '812' };
    const restores = { startedAt: '2026-12-01T00:00:00.000000Z', id: ID };
    expect(formatHistoryCursor(null, null)).toBeNull();
    for (const [a, r] of [[applies, restores], [applies, null], [null, restores]] as const) {
      const text = formatHistoryCursor(a, r)!;
      expect(parseHistoryCursor(text)).toEqual({ applies: a ?? 'end', restores: r ?? 'end' });
    }
    expect(formatHistoryCursor(applies, null)).toBe(`${AT}_812~end`);
  });

  test.each(['end', 'end~', `${AT}_812`, `${AT}_${ID}~end`, `end~${AT}_812`, `${AT}_812~${AT}_812`, 'end~end~end'])(
    'refuses the history cursor %j', (text) => expect(parseHistoryCursor(text)).toBeNull(),
  );
});
