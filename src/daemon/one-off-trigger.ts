// Starts `pgbackops maintain --one-offs-only` when a one-off job (Snapshot, Restore) of this server is due:
// right after a pass applied one without `at`, or when the earliest `at` comes. The claim in the catalog
// makes it safe to have several daemons or cron-driven maintainers race; this only decides when to look.
import type { Logger } from '../adapters/logger.js';

export interface OneOffTriggerOptions {
  /** The earliest due time of this server's pending jobs, or null. */
  nextDue: () => Promise<Date | null>;
  /** Runs the due jobs (a child process); resolves when it has finished. */
  runDue: () => Promise<unknown>;
  logger: Logger;
  /** Longest sleep between looks: jobs applied by another process are seen within it (NOTIFY also wakes us). */
  maxSleepMs?: number;
  /** Shortest gap between two runs, so that a job that cannot be claimed does not make us spin. */
  minGapMs?: number;
}

export class OneOffTrigger {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private lookAgain = false;
  private stopped = false;
  private lastRunAt = 0;
  private readonly maxSleepMs: number;
  private readonly minGapMs: number;

  constructor(private readonly options: OneOffTriggerOptions) {
    this.maxSleepMs = options.maxSleepMs ?? 60_000;
    this.minGapMs = options.minGapMs ?? 5_000;
  }

  /** Looks now (after a pass, a notification); while jobs run, looks again when they are done. */
  poke(): void {
    if (this.stopped) return;
    if (this.running) {
      this.lookAgain = true;
      return;
    }
    void this.look();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async look(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = true;
    try {
      const due = await this.options.nextDue();
      const now = Date.now();
      if (due && due.getTime() <= now && now - this.lastRunAt >= this.minGapMs) {
        this.lastRunAt = now;
        await this.options.runDue();
        this.lookAgain = true;
      } else {
        const wait = due ? Math.max(due.getTime() - now, this.lastRunAt + this.minGapMs - now) : this.maxSleepMs;
        this.sleep(Math.min(Math.max(wait, 0), this.maxSleepMs));
      }
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'could not look for due one-off jobs; retrying later');
      this.sleep(this.maxSleepMs);
    } finally {
      this.running = false;
    }
    if (this.lookAgain && !this.stopped) {
      this.lookAgain = false;
      void this.look();
    }
  }

  private sleep(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.poke(), ms);
    this.timer.unref();
  }
}
