// Opening the catalog the settings point at: a central PostgreSQL, or the local catalog under the state dir.
import { Catalog } from '../adapters/catalog/catalog.js';
import { CatalogUnavailableError } from '../adapters/catalog/errors.js';
import { localCatalogExists, localCatalogPaths, redactConnection, resolveCatalogConnection, runningLocalCatalog } from '../adapters/catalog/local-catalog.js';
import type { Logger } from '../adapters/logger.js';
import { classifyJobError } from '../core/dump/classify-failure.js';
import { catalogFailureAdvice } from '../core/failure-advice.js';
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
        const catalog = await Catalog.open(running, options);
        logger.info({ catalog: describeCatalog(settings) }, 'catalog opened');
        return catalog;
      } catch (err) {
        logger.debug({ err: (err as Error).message }, 'the local catalog did not answer as running; starting it if needed');
      }
    }
  }
  try {
    const config = await resolveCatalogConnection({ catalogUrl: settings.catalogUrl, stateDir: settings.stateDir, logger });
    const catalog = await Catalog.open(config, options);
    logger.info({ catalog: describeCatalog(settings) }, 'catalog opened');
    return catalog;
  } catch (err) {
    throw catalogUnavailable(settings, err);
  }
}

/** Which catalog, for messages and logs: never a password. */
export function describeCatalog(settings: Settings): string {
  return settings.catalogUrl
    ? `central catalog ${redactConnection(settings.catalogUrl)}`
    : `local catalog under ${localCatalogPaths(settings.stateDir).root}`;
}

/** Any error of opening the catalog, said as which catalog, why, and what to do. */
function catalogUnavailable(settings: Settings, err: unknown): CatalogUnavailableError {
  const e = err as Error & { code?: unknown; path?: unknown };
  const message = e.message || String(err);
  const { reason } = classifyJobError({ message, code: e.code, path: e.path });
  return new CatalogUnavailableError(describeCatalog(settings), reason, message, catalogFailureAdvice(reason, !settings.catalogUrl));
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

/**
 * For commands that only read (plan): like withCatalog, but a local catalog that does not exist yet is not
 * created (no initdb, no server left running): fn gets null, which stands for an empty catalog. Only apply
 * creates the local catalog.
 */
export async function withExistingCatalog<T>(settings: Settings, logger: Logger, fn: (catalog: Catalog | null) => Promise<T>): Promise<T> {
  if (!settings.catalogUrl && !(await localCatalogExists(settings.stateDir))) {
    logger.info({ catalog: describeCatalog(settings) }, 'the local catalog does not exist yet: planning against an empty catalog (apply creates it)');
    return fn(null);
  }
  return withCatalog(settings, logger, fn);
}

/**
 * withExistingCatalog for a command whose input is still being made (`plan`, loading its configuration): a
 * catalog whose opening starts nothing (a central one, or the local one already running) is opened meanwhile,
 * and `fn` gets it with the input still pending, so that its first query runs on the catalog's server while
 * the input is made. Any other catalog is opened once the input is made, as withExistingCatalog does (a
 * stopped local catalog is not started for a configuration that turns out invalid). The input's failure is
 * the error either way, without waiting for the catalog to answer; the catalog is always closed.
 */
export async function withExistingCatalogBeside<I, T>(
  settings: Settings,
  logger: Logger,
  input: Promise<I>,
  fn: (catalog: Catalog | null, input: Promise<I>) => Promise<T>,
): Promise<T> {
  input.catch(() => undefined); // awaited below or by fn: not an unhandled rejection meanwhile
  const early = Boolean(settings.catalogUrl) || (await runningLocalCatalog(settings.stateDir)) !== null;
  if (!early) {
    await input;
    return withExistingCatalog(settings, logger, (catalog) => fn(catalog, input));
  }
  const opening = openCatalog(settings, logger);
  opening.catch(() => undefined); // awaited below
  const inputFailure = await Promise.race([input.then(() => null, (err: unknown) => ({ err })), opening.then(() => null, () => null)]);
  if (inputFailure) {
    void opening.then((catalog) => catalog.close(), () => undefined);
    throw inputFailure.err;
  }
  let catalog: Catalog;
  try {
    catalog = await opening;
  } catch (err) {
    await input; // an invalid input is said first
    throw err;
  }
  try {
    return await fn(catalog, input);
  } finally {
    await catalog.close();
  }
}
