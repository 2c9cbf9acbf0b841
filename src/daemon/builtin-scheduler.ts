// The builtin scheduler: for `scheduler.type: builtin` servers the daemon fires this server's jobs itself
// with croner, from the entries of the builtin schedule file (each in its own timezone), so pgbackops
// works where there is no cron (containers). The file's maintain entry (the server's `maintenance`) starts
// `pgbackops maintain`, as a cron.d or crontab line would. A definition never overlaps itself (croner's protect waits
// for the previous run's child process; `pgbackops run` also records an overlapping start as skipped).
//
// Missed runs: the daemon writes a heartbeat to <stateDir>/daemon/<server>.heartbeat. On start, a
// definition whose last expected fire time fell after the heartbeat (so while the daemon was down) runs
// once if that time is within the catch-up window; older ones are logged and counted as missed.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Cron } from 'croner';
import { writeFileAtomic } from '../adapters/fs/atomic-write.js';
import type { Logger } from '../adapters/logger.js';
import { jobArgsOf, type ScheduleEntry } from '../core/schedule/entry.js';
import type { Settings } from '../runtime/settings.js';
import type { ChildJobs } from './child-jobs.js';
import { lastExpectedRun } from '../core/reports/definition-health.js';
import type { DaemonMetrics } from './metrics.js';

export interface BuiltinSchedulerOptions {
  settings: () => Settings;
  server: string;
  logger: Logger;
  children: ChildJobs;
  metrics: DaemonMetrics;
  catchUpWindowMs: number;
}

interface ScheduledJob {
  key: string;
  cron: Cron;
}

export class BuiltinScheduler {
  private readonly jobs = new Map<string, ScheduledJob>();
  private readonly inFlight = new Map<string, Promise<number>>();
  private previousHeartbeat: number | null | undefined;
  private stopped = false;

  constructor(private readonly options: BuiltinSchedulerOptions) {}

  get scheduled(): string[] {
    return [...this.jobs.keys()];
  }

  /** Makes the croner jobs match `entries`; on the first call, catches up runs missed while down. */
  async sync(entries: readonly ScheduleEntry[], now: number): Promise<void> {
    if (this.stopped) return;
    const log = this.options.logger;
    const wanted = new Map(entries.map((e) => [e.name, e]));
    for (const [name, job] of this.jobs) {
      const e = wanted.get(name);
      if (!e || keyOf(e) !== job.key) {
        job.cron.stop();
        this.jobs.delete(name);
      }
    }
    for (const e of entries) {
      if (this.jobs.has(e.name)) continue;
      const cron = new Cron(e.schedule, { timezone: e.timezone, protect: true, legacyMode: true, name: `pgbackops-${e.name}` }, async () => {
        await this.fire(e.name, 'schedule');
      });
      this.jobs.set(e.name, { key: keyOf(e), cron });
    }
    if (this.previousHeartbeat === undefined) {
      this.previousHeartbeat = await this.readHeartbeat();
      if (this.previousHeartbeat !== null) this.catchUp(entries, this.previousHeartbeat, now);
    }
    await this.writeHeartbeat(now);
    log.debug({ jobs: this.jobs.size }, 'builtin schedule synced');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const job of this.jobs.values()) job.cron.stop();
    this.jobs.clear();
  }

  /** Writes the heartbeat (the daemon calls this on every pass and on a timer while idle). */
  async writeHeartbeat(now: number): Promise<void> {
    await mkdir(join(this.options.settings().stateDir, 'daemon'), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.heartbeatPath(), JSON.stringify({ server: this.options.server, aliveAt: new Date(now).toISOString() }) + '\n', 0o600);
  }

  private catchUp(entries: readonly ScheduleEntry[], downSince: number, now: number): void {
    for (const e of entries) {
      const due = lastExpectedRun(e.schedule, e.timezone, now);
      if (due === null || due <= downSince) continue;
      const dueIso = new Date(due).toISOString();
      if (now - due <= this.options.catchUpWindowMs) {
        this.options.logger.info({ definition: e.name, due: dueIso }, 'run missed while the daemon was down; catching up once');
        void this.fire(e.name, 'catch-up');
      } else {
        this.options.logger.warn({ definition: e.name, due: dueIso, catchUpWindowMs: this.options.catchUpWindowMs }, 'run missed while the daemon was down, outside the catch-up window; not run');
        this.options.metrics.missed(e.name);
      }
    }
  }

  /** Starts the entry's job (`pgbackops run NAME`, or `maintain`) unless its previous run is still going. */
  private fire(name: string, why: string): Promise<number> {
    const running = this.inFlight.get(name);
    if (running) {
      this.options.logger.info({ definition: name, why }, 'previous run still going; not started again');
      return running;
    }
    const run = this.options.children
      .run(this.options.settings(), this.options.server, jobArgsOf({ name }), `${jobArgsOf({ name }).join(' ')} (${why})`)
      .finally(() => this.inFlight.delete(name));
    this.inFlight.set(name, run);
    return run;
  }

  private heartbeatPath(): string {
    return join(this.options.settings().stateDir, 'daemon', `${this.options.server}.heartbeat`);
  }

  private async readHeartbeat(): Promise<number | null> {
    try {
      const parsed = JSON.parse(await readFile(this.heartbeatPath(), 'utf8')) as { aliveAt?: string };
      const t = parsed.aliveAt ? Date.parse(parsed.aliveAt) : NaN;
      return Number.isFinite(t) ? t : null;
    } catch {
      return null;
    }
  }
}

function keyOf(e: ScheduleEntry): string {
  return `${e.schedule}|${e.timezone}|${e.hash}`;
}
