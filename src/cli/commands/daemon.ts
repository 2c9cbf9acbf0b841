// pgbackops daemon: follow a directory or a git repository, apply and converge continuously, heal drift,
// fire builtin schedules, serve health, status and metrics. See docs/operations.md.
import { Command } from 'commander';
import { Cron } from 'croner';
import { createLogger } from '../../adapters/logger.js';
import { approximateMilliseconds, durationProblem, parseDuration } from '../../core/time/duration.js';
import type { ConfigSourceFlags } from '../../engine/config-source.js';
import { addConfigSourceFlags } from '../config-source-flags.js';
import type { GlobalFlags } from '../../runtime/settings.js';
import { addPlanFlags, planOptionsOf } from '../plan-flags.js';
import { logLevelOf, type LogFlags } from '../context.js';
import { CliError } from '../output.js';
import { DEFAULT_LISTEN } from '../../daemon/default-listen.js';
import { refusePasswordInCatalogUrl } from '../../runtime/remembered-catalog.js';
import { envSetting } from '../../adapters/os/environment.js';

interface DaemonFlags extends GlobalFlags, ConfigSourceFlags, LogFlags {
  interval: string;
  listen: string;
  webhookSecretFile?: string;
  httpAuthFile?: string;
  catchUpWindow: string;
  maintainSchedule: string;
  grace: string;
  prune?: boolean;
  allowMassDelete?: boolean;
  allowSlotDrop?: boolean;
  massDeleteShare?: string;
}

export function registerDaemon(program: Command): void {
  addConfigSourceFlags(addPlanFlags(program.command('daemon')))
    .description('run continuously: apply the configuration (directory or git), converge and heal this server\'s schedule, fire builtin schedules, serve /healthz /readyz /metrics /status and the status page')
    .option('--interval <seconds>', 'poll interval (jittered by 10%); failures retry sooner with backoff', '60')
    .option('--listen <host:port>', 'HTTP address for health, metrics, status and webhooks', DEFAULT_LISTEN)
    .option('--http-auth-file <file>', 'require credentials for the status page, /status and /metrics (not /healthz, /readyz): the file holds user:password (basic) or a token (bearer)')
    .option('--webhook-secret-file <file>', 'enable POST /hooks/git, authenticated with this HMAC-SHA256 secret (X-Hub-Signature-256)')
    .option('--catch-up-window <duration>', 'builtin scheduler: run a job missed while the daemon was down if it was due within this long', '1h')
    .option('--maintain-schedule <cron|server|off>', 'extra runs of `pgbackops maintain` started by the daemon; `server` (the default) adds none: the BackupServer\'s `maintenance` line in its schedule (cron, crontab or builtin) runs it', 'server')
    .option('--grace <seconds>', 'on shutdown, how long running jobs get after SIGTERM before SIGKILL', '30')
    .action(async (_opts: unknown, command: Command) => {
      const flags = command.optsWithGlobals() as DaemonFlags;
      const interval = Number(flags.interval);
      if (!Number.isFinite(interval) || interval <= 0) throw new CliError(`--interval must be a positive number of seconds, got ${flags.interval}`);
      const grace = Number(flags.grace);
      if (!Number.isFinite(grace) || grace < 0) throw new CliError(`--grace must be a number of seconds, got ${flags.grace}`);
      const window = parseDuration(flags.catchUpWindow);
      if (!window) throw new CliError(`--catch-up-window: ${durationProblem(flags.catchUpWindow)}`);
      // Overlapping maintains are harmless (each takes the server's maintain lock or skips), only wasteful.
      const maintainSchedule = flags.maintainSchedule === 'off' || flags.maintainSchedule === 'server' ? null : flags.maintainSchedule;
      if (maintainSchedule) {
        try {
          new Cron(maintainSchedule, { paused: true }).stop();
        } catch (err) {
          throw new CliError(`--maintain-schedule: ${(err as Error).message}`);
        }
      }
      // Every pass applies: refuse at start what every apply would refuse.
      refusePasswordInCatalogUrl(flags.catalog ?? envSetting('catalogUrl'));
      // A daemon logs at info unless told otherwise: its log is its record of what it did.
      const logger = createLogger({ level: logLevelOf(flags, 'info') });
      // Loaded here, not at the top: plan and apply import this module for the source flags only.
      const { runDaemon } = await import('../../daemon/daemon.js');
      const code = await runDaemon({
        flags,
        source: flags,
        intervalMs: Math.round(interval * 1000),
        listen: flags.listen,
        ...(flags.webhookSecretFile ? { webhookSecretFile: flags.webhookSecretFile } : {}),
        ...(flags.httpAuthFile ? { httpAuthFile: flags.httpAuthFile } : {}),
        planOptions: planOptionsOf(flags),
        catchUpWindowMs: approximateMilliseconds(window),
        maintainSchedule,
        graceMs: Math.round(grace * 1000),
        logger,
      });
      process.exitCode = code;
    });
}
