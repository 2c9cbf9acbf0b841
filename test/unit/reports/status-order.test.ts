// The order status lists definitions in (problems first, then by name), its cursor and its pages.
import { describe, expect, it } from 'vitest';
import { formatStatusCursor, parseStatusCursor } from '../../../src/core/reports/page-cursor.js';
import { compareStatusKeys, parseStatusPageRequest, statusPage, STATUS_ORDER, type StatusKey } from '../../../src/core/reports/status-order.js';

const flag = (name: string) => `--${name}`;

describe('status order', () => {
  it('puts failing, late and never run before healthy and unscheduled, names in C order within a state', () => {
    const keys: StatusKey[] = [
      { state: 'healthy', name: 'a' }, { state: 'unscheduled', name: 'a' }, { state: 'failing', name: 'z' }, { state: 'late', name: 'b' },
      { state: 'never_run', name: 'a' }, { state: 'failing', name: 'a-1' }, { state: 'failing', name: 'a1' },
    ];
    expect([...keys].sort(compareStatusKeys).map(formatStatusCursor)).toEqual([
      'failing:a-1', 'failing:a1', 'failing:z', 'late:b', 'never_run:a', 'healthy:a', 'unscheduled:a',
    ]);
  });

  it('reads back every cursor it writes, and nothing else', () => {
    for (const state of STATUS_ORDER) expect(parseStatusCursor(formatStatusCursor({ state, name: 'db-0042' }))).toEqual({ state, name: 'db-0042' });
    for (const bad of ['', 'failing', 'failing:', 'Failing:db', 'broken:db', 'failing:DB', 'failing:db;rm', 'failing:-db', '2026-12-06T01:30:00.000000Z_x']) {
      expect(parseStatusCursor(bad), bad).toBeNull();
    }
  });

  it('pages a sorted listing: every item once, in order, after the cursor even when the cursor item is gone', () => {
    const sorted: StatusKey[] = ['failing:b', 'failing:d', 'late:a', 'never_run:c', 'healthy:a', 'healthy:b', 'healthy:e'].map((c) => parseStatusCursor(c)!);
    const seen: StatusKey[] = [];
    let after: StatusKey | null = null;
    for (;;) {
      const page = statusPage(sorted, { limit: 2, after, state: null });
      seen.push(...page.items);
      if (page.nextAfter === null) break;
      after = page.nextAfter;
    }
    expect(seen).toEqual(sorted);
    // The cursor's own definition was removed: the page starts at the next key.
    expect(statusPage(sorted, { limit: 2, after: { state: 'failing', name: 'c' }, state: null }).items.map(formatStatusCursor)).toEqual(['failing:d', 'late:a']);
    expect(statusPage(sorted, { limit: 2, after: null, state: 'healthy' })).toEqual({ items: sorted.slice(4, 6), nextAfter: { state: 'healthy', name: 'b' } });
    expect(statusPage(sorted, { limit: 3, after: null, state: 'healthy' }).nextAfter).toBeNull();
  });

  it('says what is wrong with a page request', () => {
    expect(parseStatusPageRequest({}, parseStatusCursor, flag)).toEqual({ limit: 1000, after: null, state: null });
    expect(parseStatusPageRequest({ limit: '5', after: 'late:db-1', state: 'late' }, parseStatusCursor, flag)).toEqual({ limit: 5, after: { state: 'late', name: 'db-1' }, state: 'late' });
    expect(parseStatusPageRequest({ limit: '0' }, parseStatusCursor, flag)).toEqual({ error: '--limit must be a positive integer' });
    expect(parseStatusPageRequest({ limit: '1e3' }, parseStatusCursor, flag)).toEqual({ error: '--limit must be a positive integer' });
    expect(parseStatusPageRequest({ after: 'x' }, parseStatusCursor, flag)).toMatchObject({ error: expect.stringContaining('--after must be the cursor') });
    expect(parseStatusPageRequest({ state: 'Failing' }, parseStatusCursor, flag)).toEqual({ error: '--state must be one of failing, late, never_run, healthy, unscheduled' });
  });
});
