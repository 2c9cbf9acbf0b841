import { describe, expect, it } from 'vitest';
import { newestFirst, runColumnsOf, uuidAt, type RunColumns } from '../../../src/core/retention/run-columns.js';

const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/** The order by definition: start time, then id, both descending. */
function referenceOrder(runs: RunColumns): number[] {
  const ids = Array.from({ length: runs.count }, (_, i) => uuidAt(runs, i));
  return Array.from({ length: runs.count }, (_, i) => i)
    .sort((a, b) => runs.startedAt[b]! - runs.startedAt[a]! || (ids[a]! < ids[b]! ? 1 : -1));
}

describe('run columns', () => {
  it('keep a uuid as bytes and give it back in canonical form', () => {
    const id = '0f1E2d3C-4b5a-6978-8796-a5b4c3d2e1f0';
    const runs = runColumnsOf([{ id, startedAt: 0, status: 'succeeded' }]);
    expect(Array.from(runs.ids.slice(0, 3))).toEqual([0x0f, 0x1e, 0x2d]);
    expect(uuidAt(runs, 0)).toBe(id.toLowerCase());
    expect(() => runColumnsOf([{ id: 'not-a-uuid', startedAt: 0, status: 'succeeded' }])).toThrow(/not a uuid/);
  });

  it('order runs newest first (ties by id, descending) from any input order', () => {
    let seed = 7;
    const random = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
    const day = 86_400_000;
    const shapes: Record<string, (n: number) => number[]> = {
      newestFirst: (n) => Array.from({ length: n }, (_, i) => -i * day),
      oldestFirst: (n) => Array.from({ length: n }, (_, i) => i * day),
      // Insertion order after expiry: newer runs written into the space older ones left.
      rotated: (n) => Array.from({ length: n }, (_, i) => ((i + Math.floor(n / 3)) % n) * day),
      sawtooth: (n) => Array.from({ length: n }, (_, i) => (i % 7) * day - Math.floor(i / 7) * 3 * day),
      random: (n) => Array.from({ length: n }, () => Math.floor(random() * 20) * day),
    };
    for (const [shape, times] of Object.entries(shapes)) {
      for (const n of [0, 1, 2, 3, 10, 257]) {
        const runs = runColumnsOf(times(n).map((t, i) => ({ id: uuid(Math.floor(random() * 1000) * 1000 + i), startedAt: t, status: 'succeeded' })));
        expect(Array.from(newestFirst(runs)), `${shape} ${n}`).toEqual(referenceOrder(runs));
      }
    }
  });
});
