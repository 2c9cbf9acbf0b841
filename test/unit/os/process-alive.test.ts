// The one liveness rule (src/adapters/os/process-alive.ts): a zombie is dead. Proved with a real zombie: a
// shell starts a short `sleep` in the background and then becomes a long `sleep` by exec, which never waits
// for its children, so the short one exits (after the exec) and stays a zombie until its parent ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { isProcessAlive, processStartTime, processState } from '../../../src/adapters/os/process-alive.js';

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
});

/** The pid of a zombie child of a `sleep` process this test started. */
async function zombie(): Promise<number> {
  const parent = spawn('sh', ['-c', 'sleep 0.2 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'inherit'] });
  started.push(parent);
  const pid = await new Promise<number>((resolve, reject) => {
    parent.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    parent.once('error', reject);
  });
  // The short sleep has not exited yet: wait until the kernel shows it as a zombie (state Z).
  for (let i = 0; i < 500 && stateLetter(pid) !== 'Z'; i++) await new Promise((r) => setTimeout(r, 10));
  expect(stateLetter(pid)).toBe('Z');
  return pid;
}

function stateLetter(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? null;
  } catch {
    return null;
  }
}

describe('process liveness', () => {
  it('takes a zombie for dead, although kill(pid, 0) still succeeds on it', async () => {
    const pid = await zombie();
    expect(() => process.kill(pid, 0)).not.toThrow();
    expect(processState(pid)).toBe('zombie');
    expect(isProcessAlive(pid)).toBe(false);
  });

  it('takes a running process for alive and knows when it started', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    started.push(child);
    expect(processState(child.pid!)).toBe('alive');
    expect(isProcessAlive(child.pid!)).toBe(true);
    expect(processStartTime(child.pid!)).toMatch(/^\d+$/);
  });

  it('takes a reaped process, and pids that cannot be, for gone', async () => {
    const child = spawn('true', { stdio: 'ignore' });
    await new Promise((resolve) => child.once('exit', resolve));
    // Node reaps its children: once 'exit' is seen the pid no longer exists (unless reused, vanishingly rare).
    expect(processState(child.pid!)).toBe('gone');
    for (const pid of [0, -1, 1.5, Number.NaN]) expect(isProcessAlive(pid)).toBe(false);
  });

  it("takes another user's process (EPERM) for alive", () => {
    // pid 1 belongs to root; as root this is plain alive, as another user kill(1, 0) fails with EPERM.
    expect(isProcessAlive(1)).toBe(true);
  });
});
