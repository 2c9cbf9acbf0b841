// Opening the catalog the settings point at: a central PostgreSQL, or the local catalog under the state dir.
import { Catalog } from '../adapters/catalog/catalog.js';
import { resolveCatalogConnection } from '../adapters/catalog/local-catalog.js';
import type { Logger } from '../adapters/logger.js';
import type { Settings } from './settings.js';

export async function openCatalog(settings: Settings, logger: Logger): Promise<Catalog> {
  const config = await resolveCatalogConnection({ catalogUrl: settings.catalogUrl, stateDir: settings.stateDir, logger });
  return Catalog.open(config, { logger, applicationName: 'pgbackops' });
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
