// `restore`'s progress line on a TTY (docs/cli.md#progress): one line, rewritten in place, that follows the
// restore's steps as its method reports them (RestoreProgress in methods/method.ts): a step with a count shows
// its bytes against the expected total, the rate and the time left; one without shows its elapsed time. The
// line ends with the outcome and the whole restore's elapsed time. Created before the restore and drawn only
// from its first step, so nothing is drawn while the plan is printed or confirmation asked.
import { addSample, finalLine, progressLine, windowRate, type ProgressSample } from '../core/render/progress-line.js';
import type { RestoreProgress, RestoreProgressListener } from '../methods/method.js';
import type { ProgressLine } from './progress.js';

export interface RestoreProgressLine {
  onProgress: RestoreProgressListener;
  /** The final line ("restore 3f2a9c1e: succeeded, 41.2s elapsed"); nothing when no step was ever reported. */
  finish(outcome: string): void;
}

export function restoreProgressLine(line: ProgressLine, backupId: string, clock: () => number = () => performance.now()): RestoreProgressLine {
  const label = `restore ${backupId.slice(0, 8)}`;
  let startedAt: number | null = null;
  let current: { step: string; at?: string; startedAt: number; bytes: number | null; total: number | null; samples: ProgressSample[] } | null = null;
  let ticker: NodeJS.Timeout | null = null;
  const paint = () => {
    if (!current) return;
    const where = current.at !== undefined ? ` at ${current.at}` : '';
    line.update(progressLine({
      label: `${label}: ${current.step}${where}`, bytes: current.bytes, estimate: current.total,
      elapsedMs: clock() - current.startedAt, rate: windowRate(current.samples),
    }));
  };
  return {
    onProgress(p: RestoreProgress) {
      const now = clock();
      startedAt ??= now;
      // The elapsed time moves even while a step reports nothing (a pg_ctl start, pgBackRest).
      ticker ??= setInterval(paint, 1000).unref();
      if (current?.step !== p.step) current = { step: p.step, startedAt: now, bytes: null, total: null, samples: [{ atMs: 0, bytes: 0 }] };
      if (p.at !== undefined) current.at = p.at;
      current.total = p.total;
      if (p.bytes !== null) {
        current.bytes = p.bytes;
        current.samples = addSample(current.samples, { atMs: now - current.startedAt, bytes: p.bytes });
      }
      paint();
    },
    finish(outcome) {
      if (ticker) clearInterval(ticker);
      if (startedAt !== null) line.done(finalLine(label, null, clock() - startedAt, outcome));
    },
  };
}
