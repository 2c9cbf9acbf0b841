// Which command a command line runs, read before anything is loaded: the command registry loads only that
// command's module, and bin/pgbackops.js picks the bundle that holds it (scripts/bundle.mjs). Imports nothing,
// so that the launcher can read it at no cost.

/** Global options that take a value: their value is not the command name. */
const GLOBAL_OPTIONS_WITH_VALUE = new Set(['-c', '--config', '--catalog', '--state-dir', '--server', '--lock-timeout', '--log-level']);

/** The command a command line runs (the first word that is neither an option nor an option's value). */
export function commandNameOf(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (GLOBAL_OPTIONS_WITH_VALUE.has(arg)) i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/**
 * Commands a schedule starts, whose start-up every run pays before its tool starts, and restore, whose
 * start-up is part of a restore's time: each has a bundle of its own (dist/bundle/<entry>/,
 * scripts/bundle.mjs), which loads a few files instead of the shared bundle's many chunks.
 */
const OWN_BUNDLES = new Map([['run', 'run'], ['backup', 'run'], ['restore', 'restore']]);

/** The directory under dist/bundle/ of the bundle that runs this command line; null: the bundle of all commands. */
export function ownBundleOf(args: readonly string[]): string | null {
  return OWN_BUNDLES.get(commandNameOf(args) ?? '') ?? null;
}
