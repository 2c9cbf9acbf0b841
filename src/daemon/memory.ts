// Returning a pass's garbage to the OS. A full pass over a large fleet allocates a lot briefly (YAML of
// every file, the catalog snapshot, the plan) and V8 keeps the grown heap around until its own heuristics
// decide otherwise, so an idle daemon would sit at its peak. A full collection right after a big pass keeps
// the resident size near what the daemon really retains. `gc` is only reachable with --expose-gc, which
// V8 also accepts at runtime; the function is taken once from a fresh context.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null | undefined;

export function collectGarbage(): void {
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    } catch {
      collect = null;
    }
  }
  collect?.();
}

export function memoryFigures(): { rssMib: number; heapUsedMib: number; heapTotalMib: number } {
  const m = process.memoryUsage();
  const mib = (n: number) => Math.round((n / 1048576) * 10) / 10;
  return { rssMib: mib(m.rss), heapUsedMib: mib(m.heapUsed), heapTotalMib: mib(m.heapTotal) };
}
