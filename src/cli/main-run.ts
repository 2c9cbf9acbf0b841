// `pgbackops run` and `pgbackops backup now` in a bundle of their own (scripts/bundle.mjs), which
// bin/pgbackops.js starts for those commands: every scheduled run pays Node's module loading before its tool
// starts, and this bundle holds the run path in a few files where the bundle of all commands splits it into
// some sixty chunks shared with other commands (each resolved, read and linked on its own). The command line
// is the same: the same global flags, help, errors and exit codes (command-line.ts).
import { registerRun } from './commands/run.js';
import { runCommandLine } from './command-line.js';
import { mark } from '../adapters/os/timeline.js';

export async function main(argv: string[]): Promise<void> {
  mark('main');
  await runCommandLine(argv, async (program) => registerRun(program));
  // The command has finished: its records written, its files and lock released, its catalog sessions ended,
  // its output written (stdout and stderr are synchronous on Linux for files, pipes and terminals; the logger
  // writes synchronously too). Leaving by process.exit skips only tearing down the heap, which a natural
  // exit does page by page (up to ~25 ms on the benchmark VM, bench/README.md).
  process.exit();
}
