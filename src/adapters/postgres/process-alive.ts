// Whether a process id still belongs to a live process: used to recognise stale lock and pid files.
import { readFileSync } from 'node:fs';

export function isProcessAlive(pid: number): boolean {
  return processState(pid) === 'alive';
}

/**
 * 'zombie': killed but not yet reaped by its parent. It holds nothing, yet kill(pid, 0) still succeeds, so
 * PostgreSQL's own stale-pid check still takes it for a running postmaster. In containers whose init reaps
 * slowly a SIGKILLed postmaster stays a zombie for a second or more.
 */
export function processState(pid: number): 'alive' | 'zombie' | 'gone' {
  if (!Number.isInteger(pid) || pid <= 0) return 'gone';
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else, which is still "alive".
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return 'gone';
  }
  return isZombie(pid) ? 'zombie' : 'alive';
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Format: "pid (comm) S ...": comm may contain spaces and parentheses, so read after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false; // no /proc (not Linux): trust kill(0)
  }
}

/** Identifies this boot of the machine, so a pid recorded before a reboot is not mistaken for a live one. */
export function bootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}
