// Picks the schedule target a backup server's YAML asks for.
import type { SchedulerSpec } from '../../core/model.js';
import { BuiltinTarget } from './builtin-target.js';
import { CronDTarget, DEFAULT_CRON_D_FILE } from './cron-d-target.js';
import { CrontabTarget } from './crontab-target.js';
import { defaultPathEnv } from './path-env.js';
import type { ScheduleTarget } from './target.js';

export type { ScheduleTarget } from './target.js';
export { defaultPathEnv } from './path-env.js';
export { DEFAULT_CRON_D_FILE } from './cron-d-target.js';

export interface ScheduleTargetOptions {
  /** Absolute path of the pgbackops launcher the lines run. */
  binary: string;
  stateDir: string;
  /** This backup server's name (names the builtin schedule file; the maintain line acts for it). */
  serverName: string;
  /** PATH for cron jobs; default defaultPathEnv(). */
  pathEnv?: string;
  /** crontab program for the crontab target (tests only, to simulate failures). */
  crontabCommand?: string;
}

/** The user cron.d jobs run as when the YAML names none. */
export { DEFAULT_CRON_D_USER } from '../../core/config/normalise.js';
import { DEFAULT_CRON_D_USER } from '../../core/config/normalise.js';

export function createScheduleTarget(spec: SchedulerSpec, opts: ScheduleTargetOptions): ScheduleTarget {
  const line = { binary: opts.binary, stateDir: opts.stateDir, server: opts.serverName };
  switch (spec.type) {
    case 'cron.d':
      return new CronDTarget(spec.file ?? DEFAULT_CRON_D_FILE, {
        ...line,
        user: spec.user ?? DEFAULT_CRON_D_USER,
        pathEnv: opts.pathEnv ?? defaultPathEnv(),
      });
    case 'crontab':
      return new CrontabTarget({
        ...(spec.user !== undefined ? { user: spec.user } : {}),
        ...(opts.crontabCommand !== undefined ? { crontabCommand: opts.crontabCommand } : {}),
        text: { ...line, pathEnv: opts.pathEnv ?? defaultPathEnv() },
      });
    case 'builtin':
      return new BuiltinTarget(opts.serverName, { binary: opts.binary, stateDir: opts.stateDir });
    default: {
      const unknown: never = spec.type;
      throw new Error(`unknown scheduler type ${JSON.stringify(unknown)}`);
    }
  }
}
