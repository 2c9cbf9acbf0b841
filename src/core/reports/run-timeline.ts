// A definition's runs of the last days as the status page draws them (docs/status-page.md): a flat array of
// numbers, four per run, because a fleet of 10,000 daily definitions has 300,000 runs in 30 days and the page
// loads them all at once. Pure.

/** Days of history the page shows per definition. */
export const TIMELINE_DAYS = 30;

/** At most this many runs per definition (a definition scheduled every minute must not flood the page). */
export const TIMELINE_MAX_RUNS = 200;

/** Run statuses by their code in a timeline; the page decodes with the same list. */
export const TIMELINE_STATUSES = ['succeeded', 'failed', 'skipped', 'running', 'abandoned', 'expiring'] as const;
export type TimelineStatus = (typeof TIMELINE_STATUSES)[number];

/** Numbers per run in a timeline: start, duration, status code, bytes. */
export const TIMELINE_STRIDE = 4;

export interface TimelineRun {
  status: string;
  startedAt: number;
  finishedAt: number | null;
  bytes: number | null;
}

/**
 * Encodes runs (oldest first) as [start, duration, status, bytes] per run: start in seconds after `from`,
 * duration in seconds (-1 while it runs), status as an index of TIMELINE_STATUSES, bytes (-1 when unknown).
 * Runs before `from` are left out; an unknown status counts as failed, so nothing hides as a success.
 */
export function encodeTimeline(runs: readonly TimelineRun[], from: number): number[] {
  const kept = runs.filter((r) => r.startedAt >= from).sort((a, b) => a.startedAt - b.startedAt);
  const out = new Array<number>(kept.length * TIMELINE_STRIDE);
  let i = 0;
  for (const r of kept) {
    const code = TIMELINE_STATUSES.indexOf(r.status as TimelineStatus);
    out[i++] = Math.round((r.startedAt - from) / 1000);
    out[i++] = r.finishedAt === null ? -1 : Math.max(0, Math.round((r.finishedAt - r.startedAt) / 1000));
    out[i++] = code < 0 ? TIMELINE_STATUSES.indexOf('failed') : code;
    out[i++] = r.bytes ?? -1;
  }
  return out;
}

export interface DecodedRun {
  startedAt: number;
  durationSeconds: number | null;
  status: TimelineStatus;
  bytes: number | null;
}

/** The inverse of encodeTimeline (the page's side). */
export function decodeTimeline(timeline: readonly number[], from: number): DecodedRun[] {
  const out: DecodedRun[] = [];
  for (let i = 0; i + TIMELINE_STRIDE <= timeline.length; i += TIMELINE_STRIDE) {
    out.push({
      startedAt: from + timeline[i]! * 1000,
      durationSeconds: timeline[i + 1]! < 0 ? null : timeline[i + 1]!,
      status: TIMELINE_STATUSES[timeline[i + 2]!] ?? 'failed',
      bytes: timeline[i + 3]! < 0 ? null : timeline[i + 3]!,
    });
  }
  return out;
}
