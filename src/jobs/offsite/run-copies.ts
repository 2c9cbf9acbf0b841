// The off-site copies of the backups one `run` just took: asked for and made at once when the catalog is
// reachable. Without the catalog nothing can record a copy's state, so nothing is uploaded: maintain asks
// for the copies once it has ingested the spooled runs.
import type { Catalog } from '../../adapters/catalog/catalog.js';
import type { Logger } from '../../adapters/logger.js';
import type { ResolvedTarget } from '../../core/offsite/targets.js';
import type { RunRecord } from '../../core/runs/run-record.js';
import { makeCopies, requestCopies, type CopyReport } from './copy-pass.js';

export interface RunCopies {
  copies: CopyReport[];
  /** The catalog was unreachable: the copies are left to maintain. */
  deferred: boolean;
}

export async function copyOffsite(
  catalog: Catalog | null, logger: Logger, server: string, targets: readonly ResolvedTarget[], records: readonly RunRecord[],
): Promise<RunCopies> {
  const succeeded = records.filter((r) => r.status === 'succeeded');
  if (targets.length === 0 || succeeded.length === 0) return { copies: [], deferred: false };
  if (!catalog) {
    logger.warn({ stores: targets.map((t) => t.store) }, 'catalog unreachable: off-site copies are made by maintain once it has ingested the spool');
    return { copies: [], deferred: true };
  }
  try {
    await requestCopies(catalog, succeeded, targets);
    const stores = new Map(targets.map((t) => [t.store, t.storeSpec]));
    return { copies: await makeCopies(catalog, logger, { server, stores, runIds: succeeded.map((r) => r.id) }), deferred: false };
  } catch (err) {
    // The catalog went away between the backup and its copies: the copies stay pending for maintain.
    logger.warn({ err: (err as Error).message }, 'off-site copies could not be made now; maintain makes them');
    return { copies: [], deferred: true };
  }
}
