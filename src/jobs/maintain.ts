// `pgbackops maintain`: spool ingest, abandoned-run sweep, retention. Safe to run from cron or a loop, and
// concurrently with jobs: the sweep only touches definitions whose run lock it can take at once.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Catalog } from '../adapters/catalog/catalog.js';
import type { Logger } from '../adapters/logger.js';
import { FileLockTimeoutError, withFileLock } from '../adapters/postgres/file-lock.js';
import type { BackupServerSpec } from '../core/model.js';
import { definitionsOfServer } from '../core/schedule/server-entries.js';
import { ingestSpool, type IngestOutcome } from './ingest-spool.js';
import { pruneServer, type PruneOutcome } from './prune.js';

export interface MaintainRequest {
  stateDir: string;
  server: string;
  dryRun: boolean;
  forceRemoved: boolean;
  now: number;
  /** Retention only: no spool ingest, no sweep (`pgbackops prune`). */
  pruneOnly?: boolean;
}

export interface MaintainOutcome {
  spool: IngestOutcome;
  abandoned: string[];
  prune: PruneOutcome | null;
}

export async function maintainServer(catalog: Catalog, logger: Logger, request: MaintainRequest): Promise<MaintainOutcome> {
  const housekeeping = !request.dryRun && !request.pruneOnly;
  const spool = !housekeeping ? { ingested: 0, quarantined: 0, remaining: 0 } : await ingestSpool(request.stateDir, catalog.runs, logger, catalog.restores);
  const snapshot = await catalog.readSnapshot();
  const serverSpec = snapshot.objects.find((o) => o.kind === 'BackupServer' && o.name === request.server)?.spec as BackupServerSpec | undefined;
  const abandoned: string[] = [];
  if (housekeeping) {
    await mkdir(join(request.stateDir, 'locks'), { recursive: true, mode: 0o700 });
    for (const def of definitionsOfServer(snapshot.objects, request.server)) {
      abandoned.push(...(await sweepAbandoned(catalog, request, def.name)));
    }
  }
  if (!serverSpec) {
    logger.warn({ server: request.server }, 'backup server not in the catalog; retention skipped');
    return { spool, abandoned, prune: null };
  }
  const prune = await pruneServer(catalog.runs, logger, {
    server: request.server, serverSpec, stateDir: request.stateDir, objects: snapshot.objects,
    dryRun: request.dryRun, forceRemoved: request.forceRemoved, now: request.now,
  });
  return { spool, abandoned, prune };
}

/** A run row still `running` while nobody holds the definition's run lock belongs to a dead process. */
async function sweepAbandoned(catalog: Catalog, request: MaintainRequest, definition: string): Promise<string[]> {
  try {
    return await withFileLock(join(request.stateDir, 'locks', `${definition}.lock`), `pgbackops maintain sweep ${definition}`, 0,
      () => catalog.runs.abandonRunning(request.server, definition, []));
  } catch (err) {
    if (err instanceof FileLockTimeoutError) return []; // a run is in progress: its row is live
    throw err;
  }
}
