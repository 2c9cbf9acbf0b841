// pgbackops completion bash|zsh|fish: the shell completion script, made from the commands' definitions.
import { Argument, type Command } from 'commander';
import { commandTree } from '../command-tree.js';
import { completionScript, SHELLS, type Shell } from '../completion-scripts.js';

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('print the shell completion script for bash, zsh or fish')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .action(async (shell: Shell) => {
      // Only this module was loaded to run this command: build the whole program to describe it.
      const { buildProgram } = await import('../main.js');
      process.stdout.write(completionScript(shell, commandTree(await buildProgram())));
    });
}
