// Where a process's time goes, phase by phase, for benchmarks (bench/run-job.js prints a run's start-up and
// exit this way): with PGBACKOPS_TIMELINE naming a file, each mark records the milliseconds since the process
// started (performance.now(), whose origin is the process's start), and the marks are appended to that file as
// one JSON line when the process exits. Unset (always, outside benchmarks), a mark is one property read.
import { appendFileSync } from 'node:fs';
import { envSetting } from './environment.js';

const file = envSetting('timeline');
const marks: Array<[string, number]> = [];

if (file) {
  process.once('exit', () => {
    marks.push(['exit', performance.now()]);
    try {
      appendFileSync(file, `${JSON.stringify({ pid: process.pid, marks: Object.fromEntries(marks.map(([k, v]) => [k, Math.round(v * 10) / 10])) })}\n`);
    } catch {
      /* a benchmark's aid: never a reason for the process to fail */
    }
  });
}

/** Notes that `phase` is reached now (only with PGBACKOPS_TIMELINE set). */
export function mark(phase: string): void {
  if (file) marks.push([phase, performance.now()]);
}
