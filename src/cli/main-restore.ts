// `pgbackops restore` in a bundle of its own (scripts/bundle.mjs), which bin/pgbackops.js starts for it: a
// restore is what an operator runs while an outage lasts, and its start-up counts in the restore's time (RTO).
// This bundle holds the restore path in a few files where the bundle of all commands splits it into chunks
// shared with other commands (each resolved, read and linked on its own). The command line is the same: the
// same global flags, help, errors and exit codes (command-line.ts).
import { registerRestore } from './commands/restore.js';
import { runCommandLine } from './command-line.js';

export function main(argv: string[]): Promise<void> {
  return runCommandLine(argv, async (program) => registerRestore(program));
}
