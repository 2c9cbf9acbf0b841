// What a run killed before it could finish leaves behind: its row still `running`, its `.tmp-<run id>`
// directory, and possibly the dump tool it started, still connected to the node (holding a snapshot) and
// writing into that directory. A run can be killed with SIGKILL, which no handler sees, so the next holder of
// the definition's run lock cleans up: the next run of the definition, `maintain` for every definition of
// its server, and the one-off sweep for a Snapshot whose executor died. Under the lock no live run of the
// definition exists, so everything found is a dead run's.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { stopRunProcesses } from '../adapters/os/run-marked-processes.js';
import { FileLockTimeoutError, withFileLock } from '../adapters/os/file-lock.js';
import { definitionRoot, temporaryDirectories, type DefinitionPlace } from './backup-layout.js';

export interface AbandonedSweep {
  /** The definition's place on disk; null when it is not known (its server is not in the catalog). */
  place: DefinitionPlace | null;
  /** Marks the definition's rows still `running` abandoned; returns their ids. */
  markAbandoned: () => Promise<string[]>;
}

export interface SweepOutcome {
  abandoned: string[];
  /** Pids of leftover programs stopped. */
  stopped: number[];
  /** Temporary directories removed. */
  removed: string[];
}

/** To be called while holding the definition's run lock. */
export async function clearAbandonedRuns(sweep: AbandonedSweep): Promise<SweepOutcome> {
  const temps = sweep.place ? await temporaryDirectories(definitionRoot(sweep.place)) : [];
  // Stopped before their directories go: a program still writing would fill a directory nobody sees.
  const stopped = await stopRunProcesses(new Set(temps.map((t) => t.runId)));
  for (const t of temps) await rm(t.path, { recursive: true, force: true });
  const abandoned = await sweep.markAbandoned();
  return { abandoned, stopped, removed: temps.map((t) => t.path) };
}

/** The definition's run lock path. */
export function runLockPath(stateDir: string, definition: string): string {
  return join(stateDir, 'locks', `${definition}.lock`);
}

/** Takes the definition's run lock if it is free and clears what dead runs left; nothing while a run holds it. */
export async function sweepAbandoned(stateDir: string, definition: string, sweep: AbandonedSweep): Promise<SweepOutcome> {
  await mkdir(join(stateDir, 'locks'), { recursive: true, mode: 0o700 });
  try {
    return await withFileLock(runLockPath(stateDir, definition), `pgbackops maintain sweep ${definition}`, 0, () => clearAbandonedRuns(sweep));
  } catch (err) {
    if (err instanceof FileLockTimeoutError) return { abandoned: [], stopped: [], removed: [] }; // a run is in progress: its row is live
    throw err;
  }
}
