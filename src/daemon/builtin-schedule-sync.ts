// Whether this daemon fires its server's jobs itself, and which: after every pass, a server whose
// `scheduler.type` is builtin gets a builtin scheduler (builtin-scheduler.ts, created at the first such
// pass, so its catch-up of runs missed while down happens once), synced to the entries of the builtin
// schedule file as pgbackops wrote them (an entry edited by hand is not fired; the pass restores it as
// drift); a server that leaves the builtin type has its scheduler stopped.
import { BuiltinTarget } from '../adapters/schedule/builtin-target.js';
import type { BackupServerSpec } from '../core/model.js';
import { BuiltinScheduler, type BuiltinSchedulerOptions } from './builtin-scheduler.js';

export class BuiltinScheduleSync {
  private scheduler: BuiltinScheduler | null = null;

  constructor(private readonly o: BuiltinSchedulerOptions) {}

  /** The scheduled entries' names for /status, or null when the daemon does not schedule this server. */
  get scheduled(): string[] | null {
    return this.scheduler?.scheduled ?? null;
  }

  /** Follows the server's spec of the pass's definition cache (null: not in the catalog yet). */
  async follow(spec: BackupServerSpec | null): Promise<void> {
    if (spec?.scheduler.type === 'builtin') {
      this.scheduler ??= new BuiltinScheduler(this.o);
      const settings = this.o.settings();
      const observed = await new BuiltinTarget(this.o.server, { binary: settings.binary, stateDir: settings.stateDir }).read();
      await this.scheduler.sync(observed.entries.filter((e) => !e.edited), Date.now());
    } else if (this.scheduler) {
      await this.scheduler.stop();
      this.scheduler = null;
    }
  }

  async stop(): Promise<void> {
    await this.scheduler?.stop();
  }
}
