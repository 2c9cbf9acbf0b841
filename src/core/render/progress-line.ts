// The text of a TTY progress line (docs/cli.md#progress): bytes done against an estimate of the total, the
// rate over the last few seconds and the time left; and the final line with the elapsed time. Pure: the
// caller feeds samples and the clock.
import { formatBytes as formatSize, formatDuration as formatSeconds } from '../reports/format.js';

/** Bytes done at a moment (ms since the work started). */
export interface ProgressSample {
  atMs: number;
  bytes: number;
}

/** The rate is taken over this much of the latest samples, so it follows a dump that speeds up or stalls. */
export const RATE_WINDOW_MS = 5_000;

/**
 * The samples kept for the rate: the new one, those within the window before it, and the newest one older
 * than the window (so a rate is known as soon as two samples span any time at all).
 */
export function addSample(samples: readonly ProgressSample[], sample: ProgressSample, windowMs = RATE_WINDOW_MS): ProgressSample[] {
  const kept = [...samples.filter((s) => s.atMs <= sample.atMs), sample];
  const firstInside = kept.findIndex((s) => sample.atMs - s.atMs <= windowMs);
  return kept.slice(Math.max(0, firstInside - 1));
}

/** Bytes per second between the oldest and newest kept sample; 0 when they span no time or the bytes fell. */
export function windowRate(samples: readonly ProgressSample[]): number {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (!first || !last || last.atMs <= first.atMs || last.bytes <= first.bytes) return 0;
  return ((last.bytes - first.bytes) * 1000) / (last.atMs - first.atMs);
}

export interface ProgressState {
  /** Whose progress: "orders", "nightly orders". */
  label: string;
  /** Null until the work has reported a byte count (some never do: a method whose tool writes alone). */
  bytes: number | null;
  /** The expected total (a previous run's size, the database's size, a backup's recorded bytes), or null. */
  estimate: number | null;
  elapsedMs: number;
  /** Bytes per second (windowRate). */
  rate: number;
}

/**
 * "orders: 43% 120.0 MiB of ~280.0 MiB, 18.2 MiB/s, ETA 9.0s"; without an estimate "orders: 120.0 MiB, 18.2
 * MiB/s, 6.6s elapsed"; before any byte count "orders: 2.0s elapsed". The percentage stays at 99 at most until the work is done, since the total is only
 * an estimate; the ETA is given only while bytes still flow and some are expected to be left.
 */
export function progressLine(state: ProgressState): string {
  // No count yet: a percentage of 0 would claim nothing was done, so only the time spent is shown.
  if (state.bytes === null) return `${state.label}: ${formatSeconds(state.elapsedMs)} elapsed`;
  const parts: string[] = [];
  if (state.estimate !== null && state.estimate > 0) {
    parts.push(`${percentOf(state.bytes, state.estimate)}% ${formatSize(state.bytes)} of ~${formatSize(state.estimate)}`);
  } else {
    parts.push(formatSize(state.bytes));
  }
  parts.push(`${formatSize(state.rate)}/s`);
  const left = state.estimate !== null ? state.estimate - state.bytes : 0;
  if (state.estimate !== null && state.rate > 0 && left > 0) parts.push(`ETA ${formatSeconds((left * 1000) / state.rate)}`);
  else parts.push(`${formatSeconds(state.elapsedMs)} elapsed`);
  return `${state.label}: ${parts.join(', ')}`;
}

/** "orders: done, 280.0 MiB, 15.3s elapsed (18.3 MiB/s)"; `outcome` replaces "done" for a failure. */
export function finalLine(label: string, bytes: number | null, elapsedMs: number, outcome = 'done'): string {
  const average = bytes !== null && elapsedMs > 0 ? ` (${formatSize((bytes * 1000) / elapsedMs)}/s)` : '';
  const size = bytes !== null ? `, ${formatSize(bytes)}` : '';
  return `${label}: ${outcome}${size}, ${formatSeconds(elapsedMs)} elapsed${average}`;
}

/** Whole percent of the estimate, 0..99: a total reached before the work ends only means the estimate was low. */
export function percentOf(bytes: number, estimate: number): number {
  if (estimate <= 0) return 0;
  return Math.max(0, Math.min(99, Math.floor((bytes * 100) / estimate)));
}
