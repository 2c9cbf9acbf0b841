// Jobs the daemon starts as child processes (`pgbackops run`, `pgbackops maintain`): a crash or leak in a
// job cannot take the daemon down, and a job holds its own locks and catalog connections. Children are
// tracked so shutdown can stop them: SIGTERM first, SIGKILL after the grace period.
import { execa, type ResultPromise } from 'execa';
import type { Logger } from '../adapters/logger.js';
import type { Settings } from '../runtime/settings.js';
import { ENV } from '../adapters/os/environment.js';

export class ChildJobs {
  private readonly running = new Set<ResultPromise>();

  constructor(private readonly logger: Logger) {}

  get count(): number {
    return this.running.size;
  }

  /** Runs `pgbackops <args...>` for this state directory and server; resolves with its exit code. */
  async run(settings: Settings, server: string, args: string[], label: string): Promise<number> {
    const child = execa(process.execPath, [settings.binary, ...args, '--state-dir', settings.stateDir, '--server', server], {
      reject: false,
      stdin: 'ignore',
      stdout: 'ignore',
      // The job's own JSON log lines go where the daemon's go.
      stderr: 'inherit',
      // The catalog URL goes through the environment, never the command line (ps shows argv to everyone).
      env: settings.catalogUrl ? { [ENV.catalogUrl]: settings.catalogUrl } : {},
    });
    this.running.add(child);
    const log = this.logger.child({ job: label, childPid: child.pid });
    log.info({ args }, 'job started');
    try {
      const result = await child;
      const code = result.exitCode ?? -1;
      if (code === 0) log.info({ durationMs: result.durationMs }, 'job finished');
      else log.warn({ exitCode: code, signal: result.signal, durationMs: result.durationMs }, 'job failed');
      return code;
    } finally {
      this.running.delete(child);
    }
  }

  /** SIGTERM to every child, SIGKILL to those still running after graceMs; resolves when all are gone. */
  async stopAll(graceMs: number): Promise<void> {
    if (this.running.size === 0) return;
    this.logger.info({ children: this.running.size, graceMs }, 'stopping child jobs');
    const all = [...this.running];
    for (const c of all) c.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const c of all) if (c.exitCode === null) c.kill('SIGKILL');
    }, graceMs);
    await Promise.allSettled(all);
    clearTimeout(timer);
  }
}
