// Returning a pass's garbage to the OS. A full pass over a large fleet allocates a lot briefly (YAML of
// every file, the catalog snapshot, the plan) and V8 keeps the grown heap around until its own heuristics
// decide otherwise, so an idle daemon would sit at its peak. A full collection right after a big pass keeps
// the resident size near what the daemon really retains. `gc` is only reachable with --expose-gc, which
// V8 also accepts at runtime; the function is taken once from a fresh context.
import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from 'node:v8';
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

/**
 * How long the daemon must have been idle before the settling collection. A pass grows V8's young generation
 * (up to 2 x 16 MiB of semi-spaces with Node's defaults, about a third of the heap the daemon commits at 10,000
 * definitions) and a collection right after the pass leaves it that size; V8 shrinks it only in a collection
 * that sees a low allocation rate over its last ~5 s (its tracer's window). A collection after this much quiet
 * gives that memory back; the next pass grows the young generation again as it needs, so a pass costs the same.
 */
export const SETTLE_AFTER_MS = 6_000;
/** Collections tried after one pass: a request in between (a /status, a scrape) may keep the rate too high. */
const SETTLE_ATTEMPTS = 3;
/** The young generation V8 starts with (two 1 MiB semi-spaces): the size a settling collection aims at. */
const SETTLED_YOUNG_BYTES = 2 * 1024 * 1024;

function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

/**
 * A collection once the daemon has been idle for SETTLE_AFTER_MS since its last pass, tried again (up to
 * SETTLE_ATTEMPTS) while the young generation has not shrunk; a new pass cancels it.
 */
export class SettlingCollection {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly collect: () => void = collectGarbage,
    private readonly youngBytes: () => number = youngGenerationBytes,
    private readonly delayMs = SETTLE_AFTER_MS,
  ) {}

  /** After a pass: collect once the daemon stayed idle for the delay (replaces a collection still pending). */
  afterPass(): void {
    this.arm(SETTLE_ATTEMPTS);
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(attempts: number): void {
    this.cancel();
    if (attempts === 0 || this.youngBytes() <= SETTLED_YOUNG_BYTES) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.collect();
      this.arm(attempts - 1);
    }, this.delayMs);
    // Never what keeps the process alive at its exit.
    this.timer.unref();
  }
}

export function memoryFigures(): { rssMib: number; heapUsedMib: number; heapTotalMib: number } {
  const m = process.memoryUsage();
  const mib = (n: number) => Math.round((n / 1048576) * 10) / 10;
  return { rssMib: mib(m.rss), heapUsedMib: mib(m.heapUsed), heapTotalMib: mib(m.heapTotal) };
}
