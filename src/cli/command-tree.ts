// The commands and options as plain data, read from commander's definitions: the one source that --help,
// the shell completion scripts and the manual page are all made from, so they cannot disagree.
import type { Command, Option } from 'commander';

export interface OptionInfo {
  flags: string;
  long?: string;
  short?: string;
  description: string;
  takesValue: boolean;
  choices?: readonly string[];
  defaultValue?: string;
}

export interface CommandInfo {
  /** Words after `pgbackops`: ['catalog', 'migrate']. */
  path: string[];
  usage: string;
  description: string;
  options: OptionInfo[];
  subcommands: CommandInfo[];
  examples: string[];
}

/** Examples per command path, attached with attachExamples and read back here. */
const EXAMPLES = new WeakMap<Command, string[]>();

export function setExamples(command: Command, examples: string[]): void {
  EXAMPLES.set(command, examples);
}

export function commandTree(command: Command, parentPath: string[] = []): CommandInfo {
  const path = command.parent ? [...parentPath, command.name()] : [];
  return {
    path,
    usage: command.usage(),
    description: command.description(),
    options: (command.options as Option[]).filter((o) => !o.hidden).map(optionInfo),
    subcommands: command.commands.filter((c) => c.name() !== 'help').map((c) => commandTree(c, path)),
    examples: EXAMPLES.get(command) ?? [],
  };
}

function optionInfo(o: Option): OptionInfo {
  return {
    flags: o.flags,
    ...(o.long ? { long: o.long } : {}),
    ...(o.short ? { short: o.short } : {}),
    description: o.description,
    takesValue: o.required || o.optional,
    ...(o.argChoices ? { choices: o.argChoices } : {}),
    ...(o.defaultValue !== undefined && typeof o.defaultValue !== 'boolean' ? { defaultValue: String(o.defaultValue) } : {}),
  };
}

/** Every command of the tree, depth first, the root first. */
export function allCommands(tree: CommandInfo): CommandInfo[] {
  return [tree, ...tree.subcommands.flatMap(allCommands)];
}
