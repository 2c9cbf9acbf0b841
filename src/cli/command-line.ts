// The pgbackops command line, whichever commands it holds: global flags, the commands a registrar adds, errors
// turned into exit codes. main.ts registers every command (loaded on demand); a scheduled command's own bundle
// (main-run.ts) registers that one only.
import './navigator-as-node21.js';
import { Command, CommanderError, Option } from 'commander';
import { followLifeline } from './lifeline.js';
import { LOG_LEVELS, seconds } from './flag-values.js';
import { attachExamples } from './help-examples.js';
import { CliError, endQuietlyWhenOutputCloses, printJsonError } from './output.js';
import { VERSION } from '../runtime/version.js';
import { envSetting } from '../adapters/os/environment.js';
import { PgbackopsError } from '../core/errors.js';

/** Adds the commands to the program; `args` are the command line's words after `pgbackops`. */
export type CommandRegistrar = (program: Command, args: readonly string[]) => Promise<void>;

export async function buildProgramWith(register: CommandRegistrar, args: readonly string[] = []): Promise<Command> {
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
  await register(program, args);
  attachExamples(program);
  return program;
}

export async function runCommandLine(argv: string[], register: CommandRegistrar): Promise<void> {
  followLifeline();
  endQuietlyWhenOutputCloses();
  const program = await buildProgramWith(register, argv.slice(2));
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
