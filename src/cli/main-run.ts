// `pgbackops run` and `pgbackops backup now` in a bundle of their own (scripts/bundle.mjs), which
// bin/pgbackops.js starts for those commands: every scheduled run pays Node's module loading before its tool
// starts, and this bundle holds the run path in a few files where the bundle of all commands splits it into
// some sixty chunks shared with other commands (each resolved, read and linked on its own). The command line
// is the same: the same global flags, help, errors and exit codes (command-line.ts).
import { registerRun } from './commands/run.js';
import { runCommandLine } from './command-line.js';
import { mark } from '../adapters/os/timeline.js';

export function main(argv: string[]): Promise<void> {
  mark('main');
  return runCommandLine(argv, async (program) => registerRun(program));
}
