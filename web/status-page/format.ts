// Words for times and sizes on the page: absolute times in UTC (as every report prints them) with a relative
// hint, sizes and durations as the CLI formats them.
import { formatBytes, formatDuration, formatTime } from '../../src/core/reports/format.js';
import type { PageWindow } from '../../src/core/reports/status-page-model.js';

export { formatBytes, formatDuration, formatTime };

/** "3 h ago", "in 12 min": how far a time is from the page's `now`. */
export function relative(at: number | null, now: number): string {
  if (at === null) return '';
  const d = at - now;
  const a = Math.abs(d);
  const text = a < 90_000 ? `${Math.round(a / 1000)} s` : a < 5_400_000 ? `${Math.round(a / 60_000)} min` : a < 172_800_000 ? `${Math.round(a / 3_600_000)} h` : `${Math.round(a / 86_400_000)} d`;
  return d < 0 ? `${text} ago` : `in ${text}`;
}

/** "2026-11-20 01:41:07Z (3 h ago)", or "never". */
export function timeWithRelative(at: number | null, now: number, none = 'never'): string {
  return at === null ? none : `${formatTime(at)} (${relative(at, now)})`;
}

export function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

/** A restorable window; one computed on another machine says where and when (docs/restore.md, "The restorable window"). */
export function windowText(w: PageWindow): string {
  const text = `${formatTime(w.from)} to ${formatTime(w.to)}`;
  return w.computedAt === undefined ? text : `${text} (computed on ${w.computedOn ?? '?'} at ${formatTime(w.computedAt)})`;
}
