// Where the catalog lives: a central PostgreSQL given by URL, or the local catalog, a private PostgreSQL
// instance under the state directory that pgbackops initialises and starts on first use.
//
// Layout under <stateDir>/catalog: data/ (the cluster, owned by the instance user, 0700), run/ (its Unix
// socket, 0700), postgres.log, data.lock (taken while initialising/starting).
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { ensureInstance, readInstanceState, runningInstanceConfig, stopInstance } from '../postgres/instance.js';
import { isRoot } from '../os/os-user.js';
import { libpqClientConfig, parseConnectionString, redactConnection } from '../postgres/libpq-connection.js';
import { envSetting } from '../os/environment.js';

export { redactConnection };

export const LOCAL_CATALOG_DATABASE = 'pgbackops';

export interface LocalCatalogOptions {
  /** OS user running the instance when pgbackops runs as root (default postgres, or PGBACKOPS_LOCAL_CATALOG_USER). */
  runAsUser?: string;
  /** For tests only: no fsync. */
  unsafeNoSync?: boolean;
  logger?: Logger;
}

export function localCatalogPaths(stateDir: string): { root: string; dataDir: string; socketDir: string; logFile: string } {
  const root = path.join(path.resolve(stateDir), 'catalog');
  return { root, dataDir: path.join(root, 'data'), socketDir: path.join(root, 'run'), logFile: path.join(root, 'postgres.log') };
}

/** Starts (initialising if needed) the local catalog and returns a config for its `pgbackops` database. */
export async function ensureLocalCatalog(stateDir: string, opts: LocalCatalogOptions = {}): Promise<pg.ClientConfig> {
  const paths = localCatalogPaths(stateDir);
  const instance = await ensureInstance({
    dataDir: paths.dataDir,
    socketDir: paths.socketDir,
    logFile: paths.logFile,
    runAsUser: opts.runAsUser ?? envSetting('localCatalogUser'),
    unsafeNoSync: opts.unsafeNoSync,
  });
  if (instance.initialisedNow) opts.logger?.info({ dataDir: paths.dataDir }, 'local catalog initialised');
  if (instance.startedNow) opts.logger?.info({ pid: instance.pid, socketDir: paths.socketDir }, 'local catalog started');
  await createDatabaseIfMissing(instance.config, LOCAL_CATALOG_DATABASE);
  return { ...instance.config, database: LOCAL_CATALOG_DATABASE };
}

/**
 * The local catalog's database if its instance already runs, found without connecting; null otherwise. What
 * every scheduled run opens: its one catalog connection is then also the probe, where ensureLocalCatalog
 * connects twice more first (to check the instance answers, and that the database exists).
 */
export async function runningLocalCatalog(stateDir: string, opts: Pick<LocalCatalogOptions, 'runAsUser'> = {}): Promise<pg.ClientConfig | null> {
  const config = await runningInstanceConfig(localCatalogPaths(stateDir).dataDir, opts.runAsUser ?? envSetting('localCatalogUser'));
  // A postmaster that is alive but not answering must not hold a backup's start: give up as the probe would.
  return config ? { ...config, database: LOCAL_CATALOG_DATABASE, connectionTimeoutMillis: 5_000 } : null;
}

/** Whether the local catalog was ever created (initdb ran), without starting or creating anything. */
export async function localCatalogExists(stateDir: string): Promise<boolean> {
  return (await readInstanceState(localCatalogPaths(stateDir).dataDir)).initialised;
}

export async function stopLocalCatalog(stateDir: string, mode: 'fast' | 'immediate' = 'fast'): Promise<{ wasRunning: boolean }> {
  return stopInstance(localCatalogPaths(stateDir).dataDir, mode);
}

async function createDatabaseIfMissing(admin: pg.ClientConfig, database: string): Promise<void> {
  const client = new pg.Client(admin);
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount) return;
    try {
      await client.query(`create database ${pg.escapeIdentifier(database)}`);
    } catch (err) {
      // Two processes creating it at once: the loser gets duplicate_database, or a unique violation on
      // pg_database's name index when both got past the existence check inside the same instant.
      const code = (err as { code?: string }).code;
      if (code !== '42P04' && code !== '23505') throw err;
    }
  } finally {
    await client.end();
  }
}

export interface CatalogConnectionOptions {
  /** Explicit catalog URL (--catalog); else PGBACKOPS_CATALOG_URL; else the local catalog. */
  catalogUrl?: string;
  stateDir: string;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  localCatalog?: LocalCatalogOptions;
}

/**
 * The catalog to use. A connection string (URL or keyword/value) follows libpq conventions: service= or
 * PGSERVICE, then PGHOST/PGPORT/PGUSER/PGDATABASE fill what it leaves out, and the password comes from the
 * string, PGPASSWORD, or the password file (passfile=, PGPASSFILE, ~/.pgpass).
 */
export async function resolveCatalogConnection(opts: CatalogConnectionOptions): Promise<pg.ClientConfig> {
  const env = opts.env ?? process.env;
  const url = opts.catalogUrl || envSetting('catalogUrl', env);
  if (url) {
    opts.logger?.debug({ catalog: redactConnection(url) }, 'using the catalog at the configured URL');
    return libpqClientConfig(parseConnectionString(url), { env, warn: (message) => opts.logger?.warn(message) });
  }
  opts.logger?.debug({ stateDir: opts.stateDir }, 'using the local catalog');
  return ensureLocalCatalog(opts.stateDir, { logger: opts.logger, ...opts.localCatalog });
}

/**
 * The state directory: $PGBACKOPS_STATE_DIR, else /var/lib/pgbackops for root, else $XDG_STATE_HOME/pgbackops,
 * else ~/.local/state/pgbackops.
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, root: boolean = isRoot()): string {
  const fromEnv = envSetting('stateDir', env);
  if (fromEnv) return path.resolve(fromEnv);
  if (root) return '/var/lib/pgbackops';
  // XDG: a relative XDG_STATE_HOME is invalid and must be ignored.
  if (env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME)) return path.join(env.XDG_STATE_HOME, 'pgbackops');
  return path.join(env.HOME || os.homedir(), '.local', 'state', 'pgbackops');
}
