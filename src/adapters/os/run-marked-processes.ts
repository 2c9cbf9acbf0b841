// Finding again the processes a run started, after the run itself died (SIGKILL, OOM killer) and could not
// stop them: every program a run starts carries PGBACKOPS_RUN_ID=<run id> in its environment, which its own
// children inherit (pg_dump's parallel workers). A sweep that knows a dead run's id stops exactly those
// processes: a pid reused by an unrelated process does not carry a random run id in its environment, and the
// pid and start time read with the marker are checked again right before each signal.
//
// /proc/<pid>/environ is the environment a program was started with, readable by its own user and by root:
// the sweep runs as the job user (or root), as the run did. Without /proc (not Linux) nothing is found.
import { readdir, readFile } from 'node:fs/promises';
import { isProcessAlive, processStartTime } from './process-alive.js';

export const RUN_MARKER = 'PGBACKOPS_RUN_ID';

/** The environment entry that marks a program as started by run `runId`. */
export function runMarker(runId: string): Record<string, string> {
  return { [RUN_MARKER]: runId };
}

interface MarkedProcess {
  pid: number;
  startTime: string;
}

/** How long stopped processes get to exit on SIGTERM (pg_dump cancels its queries) before SIGKILL. */
const TERM_GRACE_MS = 5_000;

/**
 * Stops every process of this host marked with one of `runIds`: SIGTERM, then SIGKILL for those still there
 * after a grace period. Resolves when none is left; returns the pids stopped.
 */
export async function stopRunProcesses(runIds: ReadonlySet<string>): Promise<number[]> {
  if (runIds.size === 0) return [];
  const found = await markedProcesses(runIds);
  if (found.length === 0) return [];
  signalAll(found, 'SIGTERM');
  await waitGone(found, TERM_GRACE_MS);
  signalAll(found, 'SIGKILL');
  await waitGone(found, TERM_GRACE_MS);
  return found.map((p) => p.pid);
}

async function markedProcesses(runIds: ReadonlySet<string>): Promise<MarkedProcess[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const found: MarkedProcess[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const marker = await markerOf(pid);
    const startTime = marker !== null && runIds.has(marker) ? processStartTime(pid) : null;
    if (startTime !== null) found.push({ pid, startTime });
  }
  return found;
}

async function markerOf(pid: number): Promise<string | null> {
  let environ: string;
  try {
    environ = await readFile(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return null; // gone meanwhile, or another user's process: not ours
  }
  const prefix = `${RUN_MARKER}=`;
  const entry = environ.split('\0').find((e) => e.startsWith(prefix));
  return entry === undefined ? null : entry.slice(prefix.length);
}

function signalAll(processes: readonly MarkedProcess[], signal: NodeJS.Signals): void {
  for (const p of processes) {
    // Still the process found with the marker (same start time), not a new one that got its pid.
    if (processStartTime(p.pid) !== p.startTime) continue;
    try {
      process.kill(p.pid, signal);
    } catch {
      /* exited meanwhile */
    }
  }
}

async function waitGone(processes: readonly MarkedProcess[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (processes.some((p) => isProcessAlive(p.pid) && processStartTime(p.pid) === p.startTime)) {
    if (Date.now() >= deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
