// Returning a pass's garbage to the OS. A full pass over a large fleet allocates a lot briefly (YAML of
// every file, the catalog snapshot, the plan) and V8 keeps the grown heap around until its own heuristics
// decide otherwise, so an idle daemon would sit at its peak. A full collection right after a big pass keeps
// the resident size near what the daemon really retains. `gc` is only reachable with --expose-gc, which
// V8 also accepts at runtime; the function is taken once from a fresh context.
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
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

/** The heap in use after the last collection made here. */
let heapAfterCollection: number | null = null;
/** How much the heap may grow above that before a pass that read only changed files collects anyway. */
const GROWTH_BEFORE_COLLECTING = 0.5;

/**
 * After a full pass: a collection when the pass read the whole configuration (`whole`), else only once the
 * heap grew by GROWTH_BEFORE_COLLECTING since the last one. A pass that read one changed file of 100,000 leaves
 * garbage V8's own collections handle, and a full collection of a heap of several hundred MiB would cost
 * about as much CPU as that pass; the bound keeps the resident size near what the daemon retains.
 */
export function collectGarbageAfterPass(whole: boolean): void {
  if (!whole && heapAfterCollection !== null && getHeapStatistics().used_heap_size <= heapAfterCollection * (1 + GROWTH_BEFORE_COLLECTING)) return;
  collectGarbage();
  heapAfterCollection = getHeapStatistics().used_heap_size;
}

export function memoryFigures(): { rssMib: number; heapUsedMib: number; heapTotalMib: number } {
  const m = process.memoryUsage();
  const mib = (n: number) => Math.round((n / 1048576) * 10) / 10;
  return { rssMib: mib(m.rss), heapUsedMib: mib(m.heapUsed), heapTotalMib: mib(m.heapTotal) };
}
