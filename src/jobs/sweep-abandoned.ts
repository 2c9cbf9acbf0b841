// Runs left `running` by a dead process: a run row still `running` while nobody holds its definition's run
// lock belongs to a process that was killed. Used by `maintain` (definitions) and the one-off sweep
// (snapshots); `run` does the same under the lock it holds anyway.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FileLockTimeoutError, withFileLock } from '../adapters/postgres/file-lock.js';
import type { RunCatalog } from './run-recorder.js';

/** Marks the definition's runs still `running` on this server abandoned; returns their ids. */
export async function sweepAbandoned(runs: RunCatalog, stateDir: string, server: string, definition: string): Promise<string[]> {
  await mkdir(join(stateDir, 'locks'), { recursive: true, mode: 0o700 });
  try {
    return await withFileLock(join(stateDir, 'locks', `${definition}.lock`), `pgbackops maintain sweep ${definition}`, 0,
      () => runs.abandonRunning(server, definition, []));
  } catch (err) {
    if (err instanceof FileLockTimeoutError) return []; // a run is in progress: its row is live
    throw err;
  }
}
