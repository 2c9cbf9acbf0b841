// How big a database's backup is expected to be, for the progress line of `backup now` (docs/cli.md#progress):
// the previous succeeded run of the same definition and database (its recorded bytes: the same method,
// format and compression, one indexed catalog row), else the database's size on the node, which a dump
// usually stays well under (the line says "~" and stops at 99%). Only for progress: a failure to estimate is
// logged at debug level and the line shows bytes and rate without a percentage.
import type { Logger } from '../adapters/logger.js';
import type { RunStore } from '../adapters/catalog/run-store.js';
import { databaseSize } from '../adapters/postgres/database-size.js';
import type { NodeSpec } from '../core/model.js';
import type { RunProgress } from './run-request.js';

type Estimate = Extract<RunProgress, { kind: 'estimate' }>;

export async function estimateRunBytes(runs: RunStore | null, node: NodeSpec, definition: string, database: string | null, logger: Logger): Promise<Estimate | null> {
  try {
    const previous = runs ? await runs.previousRunBytes(definition, database) : null;
    if (previous !== null && previous > 0) return { kind: 'estimate', database, bytes: previous, source: 'previous-run' };
    const size = await databaseSize(node, database);
    return size > 0 ? { kind: 'estimate', database, bytes: size, source: 'database-size' } : null;
  } catch (err) {
    logger.debug({ err: (err as Error).message, database }, 'no size estimate for the progress line');
    return null;
  }
}

/**
 * Passes the run's progress events on, following each start with that database's estimate once found. An
 * estimate that arrives after the database is done is dropped, as is one of a database no longer current.
 */
export function withEstimates(onProgress: (event: RunProgress) => void, estimate: (database: string | null) => Promise<Estimate | null>): (event: RunProgress) => void {
  let current: { database: string | null } | null = null;
  return (event) => {
    onProgress(event);
    if (event.kind === 'start') {
      const started = { database: event.database };
      current = started;
      void estimate(event.database).then((found) => {
        if (found && current === started) onProgress(found);
      });
    } else if (event.kind === 'done') {
      current = null;
    }
  };
}
