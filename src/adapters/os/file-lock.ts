// An exclusive lock file between processes (and between concurrent calls inside one process).
//
// The lock is a file created with O_CREAT|O_EXCL holding who took it. A holder that died (its pid is gone,
// it was recorded before the last reboot, or it is this very process but not one of our live holds) leaves
// a stale file that the next taker removes. Breaking a stale lock has a tiny race (two takers may both judge
// it stale); callers must keep their critical section safe on its own as well (instance.ts initialises into
// a temporary directory and renames it, and postgres's own postmaster.pid interlock guards starting).
import { open, readFile, stat, unlink } from 'node:fs/promises';
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { bootId, isProcessAlive } from './process-alive.js';
import { PgbackopsError } from '../../core/errors.js';

interface LockHolder {
  pid: number;
  host: string;
  bootId: string | null;
  token: string;
  since: string;
  purpose: string;
}

export class FileLockTimeoutError extends PgbackopsError {
  readonly code = 'E_LOCK_TIMEOUT';
}

/** Tokens of the locks this process holds right now: tells our own live holds from leftovers of a reused pid. */
const heldTokens = new Set<string>();

export async function withFileLock<T>(
  lockPath: string,
  purpose: string,
  timeoutMs: number,
  fn: () => Promise<T>,
): Promise<T> {
  const token = await acquire(lockPath, purpose, timeoutMs);
  try {
    return await fn();
  } finally {
    heldTokens.delete(token);
    await releaseIfOurs(lockPath, token);
  }
}

async function acquire(lockPath: string, purpose: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let delay = 20;
  for (;;) {
    const token = randomUUID();
    const holder: LockHolder = { pid: process.pid, host: os.hostname(), bootId: bootId(), token, since: new Date().toISOString(), purpose };
    try {
      const handle = await open(lockPath, 'wx', 0o644);
      try {
        await handle.writeFile(JSON.stringify(holder));
      } finally {
        await handle.close();
      }
      heldTokens.add(token);
      return token;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }

    const current = await readHolder(lockPath);
    if (current === 'gone') continue;
    if (current === 'unreadable' ? await isAbandonedEmpty(lockPath) : isStale(current)) {
      await unlink(lockPath).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      continue;
    }
    if (Date.now() >= deadline) {
      const who =
        current === 'unreadable'
          ? 'an unreadable holder record'
          : `pid ${current.pid} on ${current.host} (${current.purpose}, since ${current.since})`;
      throw new FileLockTimeoutError(
        `timed out after ${timeoutMs} ms waiting for lock ${lockPath}, held by ${who}. ` +
          'If that process is gone, delete the lock file.',
      );
    }
    await sleep(Math.min(delay, Math.max(1, deadline - Date.now())));
    delay = Math.min(delay * 2, 250);
  }
}

async function readHolder(lockPath: string): Promise<LockHolder | 'gone' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(lockPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as LockHolder;
    return typeof parsed.pid === 'number' ? parsed : 'unreadable';
  } catch {
    // Created but not yet written by its taker (or truncated by a crash at that instant): wait, then time out.
    return 'unreadable';
  }
}

function isStale(holder: LockHolder): boolean {
  // On another host (a shared volume) we cannot judge its pid: never break it.
  if (holder.host !== os.hostname()) return false;
  const ourBoot = bootId();
  if (ourBoot && holder.bootId && holder.bootId !== ourBoot) return true;
  if (holder.pid === process.pid) return !heldTokens.has(holder.token);
  return !isProcessAlive(holder.pid);
}

// A taker writes its record right after creating the file; one still unreadable after this long was left by
// a taker that died in between.
const UNWRITTEN_LOCK_GRACE_MS = 10_000;

async function isAbandonedEmpty(lockPath: string): Promise<boolean> {
  try {
    return Date.now() - (await stat(lockPath)).mtimeMs > UNWRITTEN_LOCK_GRACE_MS;
  } catch {
    return false;
  }
}

async function releaseIfOurs(lockPath: string, token: string): Promise<void> {
  const current = await readHolder(lockPath);
  if (typeof current === 'object' && current.token === token) {
    await unlink(lockPath).catch(() => undefined);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
