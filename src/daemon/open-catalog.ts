// The daemon's catalog at start: retried until reachable, because a daemon started before its catalog (a
// machine's boot, a compose file) should wait, not crash. The wait ends early when the daemon is asked to
// stop; then there is no catalog and the daemon exits 0.
import type pg from 'pg';
import { Catalog } from '../adapters/catalog/catalog.js';
import { resolveCatalogConnection } from '../adapters/catalog/local-catalog.js';
import type { Logger } from '../adapters/logger.js';
import type { StopRequest } from './stop-request.js';

const CATALOG_RETRY_FIRST_MS = 500;
export const CATALOG_RETRY_MAX_MS = 30_000;

export interface OpenedCatalog {
  catalog: Catalog;
  /** How to connect to it: the daemon's own connections (lock, LISTEN, notifications) use it too. */
  config: pg.ClientConfig;
}

/** The wait before attempt `attempt + 1`: doubling from half a second, at most CATALOG_RETRY_MAX_MS. */
export function catalogRetryDelayMs(attempt: number): number {
  return Math.min(CATALOG_RETRY_MAX_MS, CATALOG_RETRY_FIRST_MS * 2 ** attempt);
}

/** The catalog once reachable, or null when `stop` was requested first. */
export async function openCatalogWhenReachable(
  settings: { catalogUrl?: string; stateDir: string },
  logger: Logger,
  stop: StopRequest,
): Promise<OpenedCatalog | null> {
  for (let attempt = 0; !stop.requested; attempt++) {
    try {
      const config = await resolveCatalogConnection({ catalogUrl: settings.catalogUrl, stateDir: settings.stateDir, logger });
      return { catalog: await Catalog.open(config, { logger, applicationName: 'pgbackops daemon' }), config };
    } catch (err) {
      const delay = catalogRetryDelayMs(attempt);
      logger.error({ err: (err as Error).message, retryInMs: delay }, 'catalog unreachable at start; retrying');
      await Promise.race([sleep(delay), stop.reason]);
    }
  }
  return null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
