// A definition's runs over the page's window as SVG: one bar per run at its start, coloured by status (with
// the status in the text alternative), as wide as its duration relative to the definition's longest run,
// and the size trend of its successful runs as a line. Built as a string of numbers and class names only:
// nothing from the catalog's text goes into it.
import { decodeTimeline, type DecodedRun } from '../../src/core/reports/run-timeline.js';
import { formatBytes } from './format.js';

export interface TimelineSize {
  width: number;
  height: number;
  /** Narrowest and widest bar, in pixels. */
  minBar: number;
  maxBar: number;
}

export const ROW_TIMELINE: TimelineSize = { width: 240, height: 26, minBar: 2, maxBar: 7 };
export const DETAIL_TIMELINE: TimelineSize = { width: 720, height: 90, minBar: 3, maxBar: 18 };

/** The SVG markup and its text alternative. */
export function timelineSvg(timeline: readonly number[], window: { from: number; to: number }, size: TimelineSize): { svg: string; label: string } {
  const runs = decodeTimeline(timeline, window.from);
  const span = Math.max(1, window.to - window.from);
  const longest = Math.max(1, ...runs.map((r) => r.durationSeconds ?? 0));
  const sizes = runs.filter((r) => (r.status === 'succeeded' || r.status === 'expiring') && r.bytes !== null);
  const minB = Math.min(...sizes.map((r) => r.bytes!));
  const maxB = Math.max(...sizes.map((r) => r.bytes!));
  const barTop = Math.round(size.height * 0.35);
  const parts: string[] = [];
  parts.push(`<line class="axis" x1="0" x2="${size.width}" y1="${size.height - 0.5}" y2="${size.height - 0.5}"/>`);
  for (const r of runs) {
    const x = ((r.startedAt - window.from) / span) * (size.width - size.minBar);
    const w = size.minBar + ((r.durationSeconds ?? longest) / longest) * (size.maxBar - size.minBar);
    parts.push(`<rect class="run run-${r.status}" x="${x.toFixed(1)}" y="${barTop}" width="${w.toFixed(1)}" height="${size.height - barTop - 1}"/>`);
  }
  if (sizes.length > 1) {
    const y = (b: number) => (maxB === minB ? barTop / 2 : 1 + (1 - (b - minB) / (maxB - minB)) * (barTop - 3));
    const points = sizes.map((r) => `${(((r.startedAt - window.from) / span) * size.width).toFixed(1)},${y(r.bytes!).toFixed(1)}`).join(' ');
    parts.push(`<polyline class="size-trend" points="${points}"/>`);
  }
  return {
    svg: `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="${size.width}" height="${size.height}" viewBox="0 0 ${size.width} ${size.height}" aria-hidden="true" focusable="false">${parts.join('')}</svg>`,
    label: describe(runs, sizes),
  };
}

/** "30 runs in 30 days: 28 succeeded, 2 failed; size 1.2 MiB to 1.3 MiB". */
function describe(runs: readonly DecodedRun[], sizes: readonly DecodedRun[]): string {
  if (runs.length === 0) return 'no runs in the window';
  const by = new Map<string, number>();
  for (const r of runs) by.set(r.status, (by.get(r.status) ?? 0) + 1);
  const counts = [...by].map(([s, n]) => `${n} ${s}`).join(', ');
  const trend = sizes.length > 0 ? `; size ${formatBytes(sizes[0]!.bytes)} to ${formatBytes(sizes[sizes.length - 1]!.bytes)}` : '';
  return `${runs.length} run${runs.length === 1 ? '' : 's'}: ${counts}${trend}`;
}
