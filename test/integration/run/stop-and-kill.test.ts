// A `pgbackops run` stopped by a signal or killed with -9 leaves no pg_dump running and no temporary
// directory counted as a backup: the run records itself, or the next maintain or run sweeps up after it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { spawnPgbackops } from '../../helpers/cli.js';
import { backupRoot, cli, run, runs, setUp, stateDir, holdDumpLock, useRunFixture } from '../../helpers/run-fixture.js';
import { waitFor } from '../../helpers/wait-for.js';

useRunFixture();

describe('a run that is stopped or killed leaves no dump tool running', () => {
  /** pg_dump processes (alive, not zombies) whose arguments name this test's backup directory. */
  function ourDumps(): number[] {
    const pids: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
        const state = readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^.*\) /, '')[0];
        if (state !== 'Z' && /(^|\/)pg_dump(all)?$/.test(argv[0] ?? '') && argv.some((a) => a.includes(backupRoot))) pids.push(Number(entry));
      } catch {
        /* gone */
      }
    }
    return pids;
  }

  /** Starts a run whose pg_dump waits for a lock held here, until the dump is running; returns how to let it go. */
  async function startBlockedRun(definition: string, env: Record<string, string> = {}) {
    const blocker = await holdDumpLock();
    const job = spawnPgbackops(['run', '--state-dir', stateDir, definition], env);
    await waitFor(async () => ourDumps().length > 0);
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      await blocker.query('rollback').catch(() => undefined);
      await blocker.end();
    };
    return { job, release };
  }

  function tempDirs(definition: string): string[] {
    const dir = join(backupRoot, 'pg1', definition, 'db-second');
    return existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith('.tmp-')) : [];
  }

  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)('%s: the dump is stopped and the run recorded failed (interrupted) before exit', async (signal) => {
    await setUp({ stopped: 'databases: [second]\nretention: standard' });
    const { job, release } = await startBlockedRun('stopped');
    try {
      job.kill(signal);
      const result = await job;
      expect(result.exitCode, String(result.stderr)).toBe(128 + constants.signals[signal]);
      expect(String(result.stdout)).toMatch(/stopped second: failed: interrupted: pgbackops run received/);
      expect(ourDumps()).toEqual([]);
    } finally {
      await release();
    }
    expect(await runs('stopped')).toMatchObject([{ status: 'failed', failure_reason: 'interrupted' }]);
    expect(tempDirs('stopped')).toEqual([]);
  });

  it('kill -9 where setpriv is not available: the next maintain stops the orphaned pg_dump, removes its temporary directory, marks the run abandoned', async () => {
    await setUp({ orphan: 'databases: [second]\nretention: standard' });
    // Without setpriv on PATH nothing makes the kernel stop the dump with its parent: only the sweep can.
    const { job, release } = await startBlockedRun('orphan', { PATH: '/nonexistent' });
    try {
      job.kill('SIGKILL');
      await job;
      const orphans = ourDumps();
      expect(orphans.length).toBeGreaterThan(0); // the situation the sweep exists for
      expect(tempDirs('orphan')).toHaveLength(1);
      const maintain = await cli('maintain');
      expect(maintain.exitCode, maintain.stderr).toBe(0);
      expect(maintain.stdout).toMatch(/1 run\(s\) and 0 restore\(s\) marked abandoned/);
      expect(ourDumps()).toEqual([]);
    } finally {
      await release();
    }
    expect(tempDirs('orphan')).toEqual([]);
    expect(await runs('orphan')).toMatchObject([{ status: 'abandoned' }]);
  });

  it('kill -9 where setpriv is not available: the next run of the definition stops the orphaned pg_dump first', async () => {
    await setUp({ orphan2: 'databases: [second]\nretention: standard' });
    const { job, release } = await startBlockedRun('orphan2', { PATH: '/nonexistent' });
    let next: Awaited<ReturnType<typeof run>>;
    try {
      job.kill('SIGKILL');
      await job;
      const orphans = ourDumps();
      expect(orphans.length).toBeGreaterThan(0);
      // The next run sweeps under the definition's lock before it dumps (its own pg_dump then waits for the
      // table lock, released once the sweep is seen).
      const nextRun = run('orphan2');
      await waitFor(async () => (await runs('orphan2')).some((r) => r.status === 'abandoned'));
      expect(ourDumps().filter((pid) => orphans.includes(pid))).toEqual([]);
      await release();
      next = await nextRun;
    } finally {
      await release();
    }
    expect(next.exitCode, next.stderr).toBe(0);
    expect((await runs('orphan2')).map((r) => r.status)).toEqual(['abandoned', 'succeeded']);
    expect(tempDirs('orphan2')).toEqual([]);
    expect(ourDumps()).toEqual([]);
  });

  it('kill -9 with setpriv: the dump dies with the run; maintain removes the temporary directory', async () => {
    await setUp({ dies: 'databases: [second]\nretention: standard' });
    const { job, release } = await startBlockedRun('dies');
    try {
      job.kill('SIGKILL');
      await job;
      await waitFor(async () => ourDumps().length === 0, 10_000);
      expect(tempDirs('dies')).toHaveLength(1);
      const maintain = await cli('maintain');
      expect(maintain.exitCode, maintain.stderr).toBe(0);
    } finally {
      await release();
    }
    expect(tempDirs('dies')).toEqual([]);
    expect(await runs('dies')).toMatchObject([{ status: 'abandoned' }]);
  });
});
