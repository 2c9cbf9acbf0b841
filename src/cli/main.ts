// The pgbackops command line: global flags, one module per command, errors turned into exit codes.
import { Command, CommanderError } from 'commander';
import { registerApply } from './commands/apply.js';
import { registerCatalog } from './commands/catalog.js';
import { registerMaintain } from './commands/maintain.js';
import { registerRun } from './commands/run.js';
import { registerPlan } from './commands/plan.js';
import { registerSchema } from './commands/schema.js';
import { registerValidate } from './commands/validate.js';
import { CliError } from './output.js';
import { VERSION } from './version.js';

export function buildProgram(): Command {
  const program = new Command('pgbackops')
    .description('GitOps for scheduled PostgreSQL backups: YAML -> plan -> catalog and cron')
    .version(VERSION, '-V, --version')
    .option('-c, --config <dir>', 'configuration directory (YAML files, any layout)', '.')
    .option('--catalog <url>', 'central catalog connection URL (default: $PGBACKOPS_CATALOG_URL, else the local catalog)')
    .option('--state-dir <dir>', 'state directory (local catalog, caches, spool); default $PGBACKOPS_STATE_DIR, /var/lib/pgbackops as root, else ~/.local/state/pgbackops')
    .option('--server <name>', 'the BackupServer whose schedule this process manages (default: the one whose host is this machine, or the only one)')
    .option('--lock-timeout <seconds>', 'how long to wait for another applier', '30')
    .option('--log-level <level>', 'log level: fatal, error, warn, info, debug, trace (default $PGBACKOPS_LOG_LEVEL or warn)')
    .option('-v, --verbose', 'log at info level')
    .showHelpAfterError()
    .enablePositionalOptions(false);
  registerValidate(program);
  registerPlan(program);
  registerApply(program);
  registerSchema(program);
  registerCatalog(program);
  registerRun(program);
  registerMaintain(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = exitCodeOf(err);
  }
}

function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) {
    // --help and --version end here too, with exit code 0.
    return err.exitCode;
  }
  if (err instanceof CliError) {
    process.stderr.write(`pgbackops: ${err.message}\n`);
    return err.exitCode;
  }
  const e = err as Error & { code?: string };
  process.stderr.write(`pgbackops: error${e.code ? ` ${e.code}` : ''}: ${e.message ?? String(err)}\n`);
  if (process.env.PGBACKOPS_DEBUG) process.stderr.write(`${e.stack}\n`);
  return 1;
}
