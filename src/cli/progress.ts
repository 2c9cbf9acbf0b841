// Progress on a TTY (docs/cli.md#progress): a single line rewritten in place at most ten times a second, and
// the byte counting behind `backup now`, `restore` and `verify`'s lines (text from core/render/progress-line.ts).
// Callers create these only when stderr is a terminal and neither --json nor --quiet was given.
import { addSample, finalLine, progressLine, windowRate, type ProgressSample } from '../core/render/progress-line.js';

export interface ProgressLine {
  update(text: string): void;
  done(text: string): void;
}

export function createProgressLine(stream: NodeJS.WriteStream): ProgressLine {
  let last = 0;
  // The newest text held back by the limit, painted when the limit allows: the line always ends up showing
  // the latest state (an estimate that arrives just after the start is not lost until the next byte count).
  let pending: NodeJS.Timeout | null = null;
  let latest = '';
  const write = (text: string, end: string) => stream.write(`\r\u001b[2K${text}${end}`);
  const paint = () => {
    pending = null;
    last = Date.now();
    write(latest, '');
  };
  return {
    update(text) {
      latest = text;
      const wait = 100 - (Date.now() - last); // at most ten repaints a second
      if (wait <= 0) paint();
      else pending ??= setTimeout(paint, wait).unref();
    },
    done(text) {
      if (pending) clearTimeout(pending);
      pending = null;
      last = 0;
      write(text, '\n');
    },
  };
}

/** Whether progress is shown: on a terminal only, and never with --json or --quiet. */
export function progressWanted(options: { json: boolean; quiet: boolean }, stream: NodeJS.WriteStream = process.stderr): boolean {
  return !options.json && !options.quiet && stream.isTTY === true;
}

/** One unit of work's bytes (a database's dump, a restore, a verify) shown against an estimate of its total. */
export interface ByteProgress {
  /** The expected total, when it becomes known (it may never). */
  estimate(bytes: number | null): void;
  /** Bytes done so far (a running total). */
  bytes(done: number): void;
  /** The final line, with the elapsed time; `outcome` is "done" or what went wrong. */
  finish(outcome: string, bytes: number | null): void;
}

/**
 * `initial`: the total and count when already known (verify knows both before it reads), shown from the first
 * paint. Until a count arrives the line shows the elapsed time only; it is repainted every second meanwhile, so
 * the elapsed time moves even while the work reports nothing.
 */
export function startByteProgress(
  line: ProgressLine, label: string, initial: { estimate: number | null; bytes: number } | null = null, clock: () => number = () => performance.now(),
): ByteProgress {
  const startedAt = clock();
  let samples: ProgressSample[] = [{ atMs: 0, bytes: initial?.bytes ?? 0 }];
  let estimate = initial?.estimate ?? null;
  let done: number | null = initial?.bytes ?? null;
  const paint = () => {
    const elapsedMs = clock() - startedAt;
    line.update(progressLine({ label, bytes: done, estimate, elapsedMs, rate: windowRate(samples) }));
  };
  const ticker = setInterval(paint, 1000).unref();
  paint();
  return {
    estimate(bytes) {
      estimate = bytes;
      paint();
    },
    bytes(total) {
      done = total;
      samples = addSample(samples, { atMs: clock() - startedAt, bytes: total });
      paint();
    },
    finish(outcome, bytes) {
      clearInterval(ticker);
      line.done(finalLine(label, bytes, clock() - startedAt, outcome));
    },
  };
}
