// `restore`'s progress line (src/cli/restore-progress.ts) fed steps and a clock: a step with a count shows its
// bytes against the expected total and the rate since the step began; a step without one its elapsed time;
// a new step starts its own count; the end is one line with the outcome and the whole restore's time. Nothing
// is drawn before the first step (the plan and the confirmation come first) nor after a restore without one.
import { describe, expect, it } from 'vitest';
import { restoreProgressLine } from '../../../src/cli/restore-progress.js';
import type { ProgressLine } from '../../../src/cli/progress.js';

const MiB = 1024 * 1024;

function recording(): ProgressLine & { lines: string[] } {
  const lines: string[] = [];
  return { lines, update: (t) => lines.push(t), done: (t) => lines.push(`${t}\n`) };
}

describe('restoreProgressLine', () => {
  it('steps, bytes against the total, rate, ETA, then the outcome with the elapsed time', () => {
    let now = 0;
    const line = recording();
    const progress = restoreProgressLine(line, '3f2a9c1e-0000-4000-8000-000000000000', () => now);
    progress.onProgress({ step: 'creating database "orders"', bytes: null, total: null });
    now = 500;
    progress.onProgress({ step: 'loading dump.pgdump', bytes: 0, total: 100 * MiB });
    now = 2500;
    progress.onProgress({ step: 'loading dump.pgdump', bytes: 40 * MiB, total: 100 * MiB });
    now = 4000;
    progress.finish('succeeded');
    expect(line.lines).toEqual([
      'restore 3f2a9c1e: creating database "orders": 0.0s elapsed',
      'restore 3f2a9c1e: loading dump.pgdump: 0% 0 B of ~100.0 MiB, 0 B/s, 0.0s elapsed',
      'restore 3f2a9c1e: loading dump.pgdump: 40% 40.0 MiB of ~100.0 MiB, 20.0 MiB/s, ETA 3.0s',
      'restore 3f2a9c1e: succeeded, 4.0s elapsed\n',
    ]);
  });

  it('recovery: the position reached beside the WAL replayed', () => {
    let now = 0;
    const line = recording();
    const progress = restoreProgressLine(line, 'abcdef0123', () => now);
    progress.onProgress({ step: 'recovery', bytes: null, total: null });
    now = 1000;
    progress.onProgress({ step: 'recovery', bytes: 48 * MiB, total: null, at: '0/5000000' });
    expect(line.lines.at(-1)).toBe('restore abcdef01: recovery at 0/5000000: 48.0 MiB, 48.0 MiB/s, 1.0s elapsed');
    progress.finish('failed');
    expect(line.lines.at(-1)).toBe('restore abcdef01: failed, 1.0s elapsed\n');
  });

  it('nothing at all when the restore reported no step (a dry run, a refusal, a cancel)', () => {
    const line = recording();
    restoreProgressLine(line, 'abcdef0123').finish('nothing restored');
    expect(line.lines).toEqual([]);
  });
});
