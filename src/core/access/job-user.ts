// Who a backup server's jobs run as: the one user that must own what jobs create, so that a job started by
// hand and the next one started by the scheduler can both read and write it (docs/operations.md, "The user
// jobs run as").
import type { SchedulerSpec } from '../model.js';

export interface JobUserChoice {
  /** An OS user name, or null: the owner of the state directory. */
  name: string | null;
  /** Why this user, for messages. */
  because: string;
}

/**
 * cron.d: the line's user field (scheduler.user, root by default). crontab: whose crontab holds the block
 * (scheduler.user), else the user who applied, who owns the state directory. builtin: the daemon fires the
 * jobs as its own user, who owns the state directory it runs with.
 */
export function jobUserOf(scheduler: SchedulerSpec): JobUserChoice {
  switch (scheduler.type) {
    case 'cron.d':
      return { name: scheduler.user ?? 'root', because: 'scheduler.user, the user field of its cron.d lines' };
    case 'crontab':
      return scheduler.user
        ? { name: scheduler.user, because: 'scheduler.user, whose crontab runs its jobs' }
        : { name: null, because: 'whose crontab runs its jobs: the owner of the state directory' };
    case 'builtin':
      return { name: null, because: 'the daemon\'s user, who fires its jobs: the owner of the state directory' };
  }
}
