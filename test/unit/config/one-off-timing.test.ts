// Instants of one-off jobs and their deadlines: pure functions over fixed clocks.
import { describe, expect, it } from 'vitest';
import { dueAt, missedDeadline } from '../../../src/core/one-off/timing.js';
import { instantProblem, parseInstant } from '../../../src/core/time/instant.js';

describe('parseInstant', () => {
  it('reads RFC 3339 with Z or an offset, fractions and lower-case t', () => {
    expect(parseInstant('2026-12-01T02:30:00Z')).toBe(Date.UTC(2026, 11, 1, 2, 30));
    expect(parseInstant('2026-12-01T03:30:00+01:00')).toBe(Date.UTC(2026, 11, 1, 2, 30));
    expect(parseInstant('2026-11-30T21:00:00-05:30')).toBe(Date.UTC(2026, 11, 1, 2, 30));
    expect(parseInstant('2026-12-01t02:30:00.250z')).toBe(Date.UTC(2026, 11, 1, 2, 30) + 250);
    expect(parseInstant('2026-12-01T02:30Z')).toBe(Date.UTC(2026, 11, 1, 2, 30));
    expect(parseInstant('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
  });

  it('refuses local times, impossible dates and other forms, saying why', () => {
    for (const text of ['2026-12-01T02:30:00', '2026-02-30T00:00:00Z', '2025-02-29T00:00:00Z', '2026-12-01T24:00:00Z',
      '2026-12-01T02:30:00+24:00', '2026-12-01', 'tomorrow', '1764556200', '']) {
      expect(parseInstant(text), text).toBeNull();
      expect(instantProblem(text), text).not.toBeNull();
    }
    expect(instantProblem('2026-12-01T02:30:00')).toMatch(/has no offset/);
    expect(instantProblem('2026-02-30T00:00:00Z')).toMatch(/does not exist/);
    expect(instantProblem('2026-12-01T02:30:00Z')).toBeNull();
  });
});

describe('one-off timing', () => {
  const applied = new Date('2026-11-20T10:00:00Z');

  it('is due at its at, or when first applied', () => {
    expect(dueAt({ at: '2026-12-01T02:30:00Z' }, applied)).toBe(Date.UTC(2026, 11, 1, 2, 30));
    expect(dueAt({}, applied)).toBe(applied.getTime());
  });

  it('is missed only when picked up after at + startingDeadline', () => {
    const spec = { at: '2026-12-01T02:30:00Z', startingDeadline: '2h' };
    expect(missedDeadline(spec, applied, new Date('2026-12-01T04:30:00Z'))).toBeNull();
    expect(missedDeadline(spec, applied, new Date('2026-12-01T04:30:01Z'))).toMatch(/^not started: it was due at 2026-12-01T02:30:00.000Z and its startingDeadline \(2h\) passed at 2026-12-01T04:30:00.000Z/);
    expect(missedDeadline({ at: '2026-12-01T02:30:00Z' }, applied, new Date('2030-01-01T00:00:00Z'))).toBeNull();
    // Without at, the deadline counts from the first apply; months are calendar months.
    expect(missedDeadline({ startingDeadline: '1mo' }, new Date('2026-01-31T00:00:00Z'), new Date('2026-02-28T00:00:00Z'))).toBeNull();
    expect(missedDeadline({ startingDeadline: '1mo' }, new Date('2026-01-31T00:00:00Z'), new Date('2026-03-01T00:00:00Z'))).not.toBeNull();
  });
});
