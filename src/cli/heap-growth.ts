// How far V8 lets the heap grow past what the last full collection found alive. By default it may grow up to
// four times when collections have been cheap so far, and a command that builds a large configuration does
// exactly that: `apply` at 100,000 definitions validates (every document parsed, checked and kept until the
// rules across files have run, ~140 MiB live), drops all of it, then plans and writes; without a full
// collection in between, the dead documents stayed in the old generation and the heap grew to ~550 MiB
// (peak RSS ~670 MiB) for ~150 MiB live. A fixed factor makes V8 collect the old generation when it has
// grown by half instead: the same peak is then mostly live data (bench/scale.js, "peak RSS").
// Set at run time, before any command runs (the commands of the shared bundle, the daemon's too; `run` and
// `restore` have bundles of their own and small heaps): V8 reads the factor each time it sets the next limit.
import v8 from 'node:v8';

/** The heap may grow by this percentage over its live size before the next full collection. */
export const HEAP_GROWING_PERCENT = 50;

export function boundHeapGrowth(): void {
  // A factor given on node's own command line is the operator's choice (Node refuses it in NODE_OPTIONS).
  if (process.execArgv.some((a) => /^--heap[-_]growing[-_]percent/.test(a))) return;
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
