import { describe, expect, it } from 'vitest';
import { addSample, finalLine, percentOf, progressLine, windowRate, type ProgressSample } from '../../../src/core/render/progress-line.js';

const MiB = 1024 * 1024;

function feed(samples: Array<[number, number]>, windowMs?: number): ProgressSample[] {
  return samples.reduce<ProgressSample[]>((kept, [atMs, bytes]) => addSample(kept, { atMs, bytes }, windowMs), []);
}

describe('progress line', () => {
  it('shows percentage, bytes of the estimate, rate and ETA', () => {
    expect(progressLine({ label: 'orders', bytes: 120 * MiB, estimate: 280 * MiB, elapsedMs: 6_600, rate: 18.2 * MiB }))
      .toBe('orders: 42% 120.0 MiB of ~280.0 MiB, 18.2 MiB/s, ETA 8.8s');
  });

  it('without an estimate: bytes, rate and elapsed time', () => {
    expect(progressLine({ label: 'orders', bytes: 120 * MiB, estimate: null, elapsedMs: 6_600, rate: 18.2 * MiB }))
      .toBe('orders: 120.0 MiB, 18.2 MiB/s, 6.6s elapsed');
  });

  it('before any byte count: the elapsed time only (no 0% for work that reports no bytes)', () => {
    expect(progressLine({ label: 'nightly (cluster)', bytes: null, estimate: 300 * MiB, elapsedMs: 2_000, rate: 0 }))
      .toBe('nightly (cluster): 2.0s elapsed');
  });

  it('gives no ETA while nothing flows (a stalled dump has no end to predict)', () => {
    const line = progressLine({ label: 'orders', bytes: 10 * MiB, estimate: 100 * MiB, elapsedMs: 3_000, rate: 0 });
    expect(line).toBe('orders: 10% 10.0 MiB of ~100.0 MiB, 0 B/s, 3.0s elapsed');
    expect(line).not.toContain('ETA');
  });

  it('never claims 100% before the end: an estimate passed shows 99% and no ETA', () => {
    const line = progressLine({ label: 'orders', bytes: 300 * MiB, estimate: 280 * MiB, elapsedMs: 20_000, rate: 15 * MiB });
    expect(line).toBe('orders: 99% 300.0 MiB of ~280.0 MiB, 15.0 MiB/s, 20.0s elapsed');
    expect(percentOf(280 * MiB, 280 * MiB)).toBe(99);
    expect(percentOf(279, 280)).toBe(99);
    expect(percentOf(1, 280)).toBe(0);
    expect(percentOf(5, 0)).toBe(0);
  });

  it('ETA in minutes for long work', () => {
    expect(progressLine({ label: 'big', bytes: 1024 * MiB, estimate: 11 * 1024 * MiB, elapsedMs: 60_000, rate: 50 * MiB }))
      .toBe('big: 9% 1.0 GiB of ~11.0 GiB, 50.0 MiB/s, ETA 3m25s');
  });

  it('final line: outcome, size, elapsed time and average rate', () => {
    expect(finalLine('orders', 280 * MiB, 15_300)).toBe('orders: done, 280.0 MiB, 15.3s elapsed (18.3 MiB/s)');
    expect(finalLine('orders', null, 2_000, 'failed')).toBe('orders: failed, 2.0s elapsed');
    expect(finalLine('orders', 0, 0)).toBe('orders: done, 0 B, 0.0s elapsed');
  });
});

describe('sliding-window rate', () => {
  it('is the rate of the last seconds, not since the start', () => {
    // 10 MiB/s for 10 s, then 1 MiB/s: the rate follows the slowdown (since the start it would be about 6.6 MiB/s).
    const fast = Array.from({ length: 11 }, (_, i): [number, number] => [i * 1000, i * 10 * MiB]);
    const slow = Array.from({ length: 6 }, (_, i): [number, number] => [11_000 + i * 1000, 100 * MiB + (i + 1) * MiB]);
    const samples = feed([...fast, ...slow], 5_000);
    expect(windowRate(samples)).toBeCloseTo(1 * MiB, -3);
  });

  it('keeps one sample older than the window so sparse samples still give a rate', () => {
    const samples = feed([[0, 0], [8_000, 80 * MiB]], 5_000);
    expect(samples).toHaveLength(2);
    expect(windowRate(samples)).toBeCloseTo(10 * MiB, -3);
  });

  it('drops samples older than the window', () => {
    const samples = feed([[0, 0], [1_000, 1], [2_000, 2], [9_000, 9], [10_000, 10]], 5_000);
    expect(samples.map((s) => s.atMs)).toEqual([2_000, 9_000, 10_000]);
  });

  it('is 0 with one sample, no time spanned, or bytes that went down', () => {
    expect(windowRate([])).toBe(0);
    expect(windowRate([{ atMs: 0, bytes: 5 }])).toBe(0);
    expect(windowRate([{ atMs: 10, bytes: 5 }, { atMs: 10, bytes: 9 }])).toBe(0);
    expect(windowRate([{ atMs: 0, bytes: 9 }, { atMs: 1_000, bytes: 5 }])).toBe(0);
  });
});
