// The collection the daemon runs once idle after a pass (src/daemon/memory.ts), on vitest's fake clock with a
// counting collector and a young generation of a size the test sets.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SETTLE_AFTER_MS, SettlingCollection } from '../../../src/daemon/memory.js';

const MIB = 1024 * 1024;

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function settling(young: { bytes: number }, shrinkTo: number | null = 1 * MIB) {
  const collections: number[] = [];
  const s = new SettlingCollection(() => {
    collections.push(Date.now());
    if (shrinkTo !== null) young.bytes = shrinkTo;
  }, () => young.bytes);
  return { s, collections };
}

describe('SettlingCollection', () => {
  it('collects once the daemon has been idle for the delay after a pass, then stops once the young generation shrank', async () => {
    const young = { bytes: 32 * MIB };
    const { s, collections } = settling(young);
    s.afterPass();
    await vi.advanceTimersByTimeAsync(SETTLE_AFTER_MS - 1);
    expect(collections).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(collections).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(SETTLE_AFTER_MS * 5);
    expect(collections).toHaveLength(1);
  });

  it('tries again while the young generation stays large (a request kept the allocation rate up), three times at most', async () => {
    const young = { bytes: 32 * MIB };
    const { s, collections } = settling(young, null);
    s.afterPass();
    await vi.advanceTimersByTimeAsync(SETTLE_AFTER_MS * 10);
    expect(collections).toHaveLength(3);
  });

  it('a new pass postpones the collection (never during a burst of passes); close cancels it', async () => {
    const young = { bytes: 32 * MIB };
    const { s, collections } = settling(young);
    s.afterPass();
    await vi.advanceTimersByTimeAsync(SETTLE_AFTER_MS - 100);
    s.cancel(); // the next pass starts
    s.afterPass(); // and ends
    await vi.advanceTimersByTimeAsync(SETTLE_AFTER_MS - 100);
    expect(collections).toHaveLength(0);
    s.cancel();
    await vi.advanceTimersByTimeAsync(SETTLE_AFTER_MS * 5);
    expect(collections).toHaveLength(0);
  });

  it('does nothing when the pass left the young generation at its smallest', async () => {
    const { s, collections } = settling({ bytes: 1 * MIB });
    s.afterPass();
    await vi.advanceTimersByTimeAsync(SETTLE_AFTER_MS * 5);
    expect(collections).toHaveLength(0);
  });
});
