// Opening the catalog the settings point at: a central PostgreSQL, or the local catalog under the state dir.
import { Catalog } from '../adapters/catalog/catalog.js';
import { resolveCatalogConnection, runningLocalCatalog } from '../adapters/catalog/local-catalog.js';
import type { Logger } from '../adapters/logger.js';
import type { Settings } from './settings.js';

export async function openCatalog(settings: Settings, logger: Logger): Promise<Catalog> {
  const options = { logger, applicationName: 'pgbackops' };
  if (!settings.catalogUrl) {
    // The local catalog is almost always running already: connect straight to it. Anything that goes wrong
    // (stopped meanwhile, database missing, a migration to apply and a race over it) takes the full path
    // below, which starts, creates and migrates what it must, or reports the same error again.
    const running = await runningLocalCatalog(settings.stateDir);
    if (running) {
      try {
        return await Catalog.open(running, options);
      } catch (err) {
        logger.debug({ err: (err as Error).message }, 'the local catalog did not answer as running; starting it if needed');
      }
    }
  }
  const config = await resolveCatalogConnection({ catalogUrl: settings.catalogUrl, stateDir: settings.stateDir, logger });
  return Catalog.open(config, options);
}

/** Runs fn with an open catalog and always closes it. */
export async function withCatalog<T>(settings: Settings, logger: Logger, fn: (catalog: Catalog) => Promise<T>): Promise<T> {
  const catalog = await openCatalog(settings, logger);
  try {
    return await fn(catalog);
  } finally {
    await catalog.close();
  }
}
