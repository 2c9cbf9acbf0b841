// Every command, loaded on demand: a process imports only the module of the command it runs (a cron job's
// `pgbackops run` does not load the YAML parser, the daemon or the reports), which keeps start-up short.
// `--help` and unknown commands load them all so that help lists everything.
import type { Command } from 'commander';
import { commandNameOf } from './command-name.js';

type Registrar = (program: Command) => void;

interface CommandModule {
  /** Top-level command names the module registers. */
  names: readonly string[];
  load: () => Promise<Registrar>;
}

const COMMANDS: readonly CommandModule[] = [
  { names: ['validate'], load: async () => (await import('./commands/validate.js')).registerValidate },
  { names: ['plan'], load: async () => (await import('./commands/plan.js')).registerPlan },
  { names: ['apply'], load: async () => (await import('./commands/apply.js')).registerApply },
  { names: ['run', 'backup'], load: async () => (await import('./commands/run.js')).registerRun },
  { names: ['maintain', 'prune'], load: async () => (await import('./commands/maintain.js')).registerMaintain },
  { names: ['restore'], load: async () => (await import('./commands/restore.js')).registerRestore },
  { names: ['verify'], load: async () => (await import('./commands/verify.js')).registerVerify },
  { names: ['backups'], load: async () => (await import('./commands/backups.js')).registerBackups },
  { names: ['show'], load: async () => (await import('./commands/show.js')).registerShow },
  { names: ['status'], load: async () => (await import('./commands/status.js')).registerStatus },
  { names: ['check-status'], load: async () => (await import('./commands/check-status.js')).registerCheckStatus },
  { names: ['wal-receive'], load: async () => (await import('./commands/wal-receive.js')).registerWalReceive },
  { names: ['history'], load: async () => (await import('./commands/history.js')).registerHistory },
  { names: ['daemon'], load: async () => (await import('./commands/daemon.js')).registerDaemon },
  { names: ['catalog'], load: async () => (await import('./commands/catalog.js')).registerCatalog },
  { names: ['schema'], load: async () => (await import('./commands/schema.js')).registerSchema },
  { names: ['import'], load: async () => (await import('./commands/import.js')).registerImport },
  { names: ['check'], load: async () => (await import('./commands/check.js')).registerCheck },
  { names: ['wal-fetch'], load: async () => (await import('./commands/wal-fetch.js')).registerWalFetch },
  { names: ['completion'], load: async () => (await import('./commands/completion.js')).registerCompletion },
];

export { commandNameOf };

export async function registerCommands(program: Command, args: readonly string[]): Promise<void> {
  const name = commandNameOf(args);
  if (name === undefined && (args.includes('--version') || args.includes('-V'))) return;
  const wanted = COMMANDS.filter((c) => name !== undefined && c.names.includes(name));
  for (const module of wanted.length > 0 ? wanted : COMMANDS) (await module.load())(program);
}
