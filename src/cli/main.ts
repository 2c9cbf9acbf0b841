// The pgbackops command line with every command, each loaded on demand (command-registry.ts): what
// bin/pgbackops.js starts, except for the scheduled commands that have a bundle of their own (main-run.ts).
import type { Command } from 'commander';
import { registerCommands } from './command-registry.js';
import { buildProgramWith, runCommandLine } from './command-line.js';
import { boundHeapGrowth } from './heap-growth.js';

export function buildProgram(args: readonly string[] = []): Promise<Command> {
  return buildProgramWith(registerCommands, args);
}

export function main(argv: string[]): Promise<void> {
  boundHeapGrowth();
  return runCommandLine(argv, registerCommands);
}
