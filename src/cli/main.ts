// The pgbackops command line: global flags, one module per command (loaded on demand), errors turned
// into exit codes.
import { Command, CommanderError, Option } from 'commander';
import { followLifeline } from './lifeline.js';
import { registerCommands } from './command-registry.js';
import { LOG_LEVELS, seconds } from './flag-values.js';
import { attachExamples } from './help-examples.js';
import { CliError, printJsonError } from './output.js';
import { VERSION } from '../runtime/version.js';
import { envSetting } from '../adapters/os/environment.js';
import { PgbackopsError } from '../core/errors.js';

// pg, which most commands load, asks on load whether it runs in Cloudflare Workers: it reads
// navigator.userAgent and, where there is no `navigator`, constructs a fetch Response instead, which makes
// Node 20 load its whole fetch implementation (undici): some 40 ms of every start, which a cron job's
// `pgbackops run` adds to its pg_dump. Node 21 and later define `navigator` themselves; on Node 20 the one
// property pg reads answers it at once.
function defineNavigatorAsNode21Does(): void {
  if (typeof (globalThis as { navigator?: unknown }).navigator !== 'undefined') return;
  const userAgent = `Node.js/${process.versions.node.split('.')[0]}`;
  Object.defineProperty(globalThis, 'navigator', { value: { userAgent }, configurable: true, writable: true, enumerable: false });
}

export async function buildProgram(args: readonly string[] = []): Promise<Command> {
  const program = new Command('pgbackops')
    .description('GitOps for scheduled PostgreSQL backups: YAML -> plan -> catalog and cron')
    .version(VERSION, '-V, --version')
    .option('-c, --config <dir>', 'configuration directory (YAML files, any layout)', '.')
    .option('--catalog <conninfo>', 'central catalog: postgresql:// URL or libpq string ("host=/run/postgresql dbname=pgbackops", "service=catalog"); default $PGBACKOPS_CATALOG_URL, else the local catalog')
    .option('--state-dir <dir>', 'state directory (local catalog, caches, spool); default $PGBACKOPS_STATE_DIR, /var/lib/pgbackops as root, else ~/.local/state/pgbackops')
    .option('--server <name>', 'the BackupServer whose schedule this process manages (default: the one whose host is this machine, or the only one)')
    .addOption(new Option('--lock-timeout <seconds>', 'how long to wait for another applier').argParser(seconds).default('30'))
    .addOption(new Option('--log-level <level>', 'log level (default $PGBACKOPS_LOG_LEVEL, else warn)').choices(LOG_LEVELS))
    .option('-v, --verbose', 'log at info level: what each step of plan, apply and the jobs does')
    .addOption(new Option('-q, --quiet', 'only errors on stderr: no warnings, no progress (results on stdout are unchanged)').conflicts(['verbose', 'logLevel']))
    // Every command's --help lists these too: they go before or after the command name alike.
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError()
    .enablePositionalOptions(false);
  await registerCommands(program, args);
  attachExamples(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  defineNavigatorAsNode21Does();
  followLifeline();
  const program = await buildProgram(argv.slice(2));
  // Every command throws instead of exiting, so that a usage error of a subcommand also reaches exitCodeOf
  // (and, under --json, prints the error object).
  for (const command of allCommands(program)) command.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = exitCodeOf(err, argv.slice(2).includes('--json'));
  }
}

function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)];
}

function exitCodeOf(err: unknown, json: boolean): number {
  if (err instanceof CommanderError) {
    // --help and --version end here too, with exit code 0; commander has printed the usage error on stderr.
    if (err.exitCode !== 0 && json) printJsonError({ code: 'E_USAGE', message: err.message.replace(/^error: /, '') });
    return err.exitCode;
  }
  if (err instanceof CliError) {
    process.stderr.write(`pgbackops: ${err.message}\n`);
    if (json) printJsonError({ code: err.code, message: err.message, ...(err.diagnostics ? { diagnostics: err.diagnostics } : {}) });
    return err.exitCode;
  }
  if (err instanceof PgbackopsError) {
    process.stderr.write(`pgbackops: error ${err.code}: ${err.message}\n`);
    if (envSetting('debug')) process.stderr.write(`${err.stack}\n`);
    if (json) printJsonError({ code: err.code, message: err.message });
    return err.exitCode;
  }
  // Not raised on purpose: a bug, or a system error no step turned into one of ours. Its message is all there
  // is to print (a system error's names its errno: "ENOENT: no such file or directory, open ...").
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`pgbackops: error: ${message}\n`);
  if (envSetting('debug') && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  if (json) printJsonError({ code: 'E_UNEXPECTED', message });
  return 1;
}
