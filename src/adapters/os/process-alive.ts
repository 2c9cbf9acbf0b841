// Whether a process of this host still exists: how stale lock and pid files, and work left `running` by a
// killed process, are told from work still in progress.
//
// The rule: a zombie is dead. A zombie (killed, not yet reaped by its parent) holds no memory, no files and no
// connections, and will never run again; only kill(pid, 0) still succeeds on it. In containers whose init
// reaps slowly (or never) a SIGKILLed process stays a zombie for a second or more, and PostgreSQL's own stale
// pid check still takes a zombie postmaster for a running one, so every caller must treat it as gone.
import { readFileSync } from 'node:fs';

export function isProcessAlive(pid: number): boolean {
  return processState(pid) === 'alive';
}

export function processState(pid: number): 'alive' | 'zombie' | 'gone' {
  if (!Number.isInteger(pid) || pid <= 0) return 'gone';
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else, which is still "alive".
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return 'gone';
  }
  return procStat(pid)?.state === 'Z' ? 'zombie' : 'alive';
}

/**
 * When the process started, in clock ticks since boot (field 22 of /proc/<pid>/stat); with the pid it names
 * one process of this boot, so a pid reused by another process is not taken for the one recorded. Null
 * when the process is gone (or there is no /proc).
 */
export function processStartTime(pid: number): string | null {
  return procStat(pid)?.startTime ?? null;
}

function procStat(pid: number): { state: string; startTime: string } | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // gone, or no /proc (not Linux): callers then trust kill(0)
  }
  // Format: "pid (comm) S ppid ...": comm may contain spaces and parentheses, so read after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); the start time is field 22.
  return { state: fields[0] ?? '', startTime: fields[19] ?? '' };
}

/** Identifies this boot of the machine, so a pid recorded before a reboot is not mistaken for a live one. */
export function bootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

/** "<host>:<pid>" of this process, as recorded on the work it claims. */
export function executorId(host: string): string {
  return `${host}:${process.pid}`;
}
