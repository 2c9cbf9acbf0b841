// The local catalog: started on demand under the state directory, safely by several callers at once,
// surviving stops and crashes; and the choice between it and a catalog URL.
import { afterEach, describe, expect, test } from 'vitest';
import { chmod, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Catalog } from '../../../src/adapters/catalog/catalog.js';
import {
  defaultStateDir,
  ensureLocalCatalog,
  localCatalogPaths,
  resolveCatalogConnection,
  runningLocalCatalog,
  stopLocalCatalog,
} from '../../../src/adapters/catalog/local-catalog.js';
import { silentLogger } from '../../../src/adapters/logger.js';
import { openCatalog } from '../../../src/runtime/catalog-session.js';
import type { Settings } from '../../../src/runtime/settings.js';
import { readInstanceState } from '../../../src/adapters/postgres/instance.js';
import { fleet } from './fleet.js';

const stateDirs: string[] = [];

async function freshStateDir(): Promise<string> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'pgbo-s-'));
  await chmod(base, 0o711);
  stateDirs.push(base);
  return path.join(base, 'state');
}

afterEach(async () => {
  for (const base of stateDirs.splice(0)) {
    await stopLocalCatalog(path.join(base, 'state'), 'immediate').catch(() => undefined);
    await rm(base, { recursive: true, force: true });
  }
});

describe('local catalog', () => {
  test('two callers on a fresh state directory get one instance and one pgbackops database', async () => {
    const stateDir = await freshStateDir();
    const [a, b] = await Promise.all([ensureLocalCatalog(stateDir, { unsafeNoSync: true }), ensureLocalCatalog(stateDir, { unsafeNoSync: true })]);
    expect(a).toEqual(b);
    const paths = localCatalogPaths(stateDir);
    expect(a).toMatchObject({ host: paths.socketDir, database: 'pgbackops' });

    // Both can open the catalog (and race its migrations) at once.
    const [ca, cb] = await Promise.all([Catalog.open(a), Catalog.open(b)]);
    expect((await ca.readSnapshot()).version).toBe(0);
    await ca.close();
    await cb.close();
    expect((await readdir(paths.root)).sort()).toEqual(['data', 'postgres.log', 'run']);
    expect((await stat(paths.dataDir)).mode & 0o777).toBe(0o700);
  });

  test('keeps its data across a fast stop and a crash stop', async () => {
    const stateDir = await freshStateDir();
    const catalog = await Catalog.open(await ensureLocalCatalog(stateDir, { unsafeNoSync: true }));
    await catalog.applyChanges(fleet(10), { revision: 'rev-1', actor: 't', summary: {}, overrides: [] }, 0);
    await catalog.close();

    expect(await stopLocalCatalog(stateDir)).toEqual({ wasRunning: true });
    expect(await stopLocalCatalog(stateDir)).toEqual({ wasRunning: false });
    expect((await readInstanceState(localCatalogPaths(stateDir).dataDir)).running).toBe(false);
    const afterFast = await Catalog.open(await ensureLocalCatalog(stateDir, { unsafeNoSync: true }));
    expect(await afterFast.readSnapshot()).toMatchObject({ version: 1, lastAppliedRevision: 'rev-1' });
    await afterFast.close();

    await stopLocalCatalog(stateDir, 'immediate');
    const afterCrash = await Catalog.open(await ensureLocalCatalog(stateDir, { unsafeNoSync: true }));
    expect((await afterCrash.readSnapshot()).objects).toHaveLength(fleet(10).length);
    await afterCrash.close();
  });
});

describe('openCatalog on the local catalog', () => {
  test('connects straight to a running one; starts, creates and migrates when that fails', async () => {
    const stateDir = await freshStateDir();
    const settings: Settings = { configDir: '.', stateDir, binary: 'pgbackops', actor: 't', lockTimeoutMs: 1000 };
    expect(await runningLocalCatalog(stateDir)).toBeNull();

    // Not initialised: the full path initialises and starts it.
    const first = await openCatalog(settings, silentLogger);
    await first.applyChanges(fleet(3), { revision: 'rev-1', actor: 't', summary: {}, overrides: [] }, 0);
    await first.close();
    expect(await runningLocalCatalog(stateDir)).toMatchObject({ host: localCatalogPaths(stateDir).socketDir, database: 'pgbackops' });

    // Running: the direct connection reads the same catalog.
    const direct = await openCatalog(settings, silentLogger);
    expect(await direct.readSnapshot()).toMatchObject({ version: 1, lastAppliedRevision: 'rev-1' });
    await direct.close();

    // Running, but its pgbackops database is gone: the direct connection fails, the full path recreates it.
    const admin = await ensureLocalCatalog(stateDir, { unsafeNoSync: true });
    const client = new pg.Client({ ...admin, database: 'postgres' });
    await client.connect();
    await client.query('drop database pgbackops');
    await client.end();
    const recreated = await openCatalog(settings, silentLogger);
    expect((await recreated.readSnapshot()).version).toBe(0);
    await recreated.close();

    // Stopped: no direct connection is tried, the full path starts it again.
    await stopLocalCatalog(stateDir, 'immediate');
    expect(await runningLocalCatalog(stateDir)).toBeNull();
    const restarted = await openCatalog(settings, silentLogger);
    expect((await restarted.readSnapshot()).version).toBe(0);
    await restarted.close();
  });
});

describe('resolveCatalogConnection', () => {
  test('an explicit URL wins over PGBACKOPS_CATALOG_URL, which wins over the local catalog; URLs start nothing', async () => {
    const stateDir = await freshStateDir();
    const env = { PGBACKOPS_CATALOG_URL: 'postgresql://env-user@env-host:5433/envdb' };
    const explicit = await resolveCatalogConnection({ catalogUrl: 'postgresql://u@central:6000/catalog', stateDir, env });
    expect(explicit).toMatchObject({ host: 'central', port: 6000, user: 'u', database: 'catalog' });
    const fromEnv = await resolveCatalogConnection({ stateDir, env });
    expect(fromEnv).toMatchObject({ host: 'env-host', port: 5433, user: 'env-user', database: 'envdb' });
    await expect(stat(stateDir)).rejects.toThrow(/ENOENT/);

    const local = await resolveCatalogConnection({ stateDir, env: {}, localCatalog: { unsafeNoSync: true } });
    expect(local).toMatchObject({ host: localCatalogPaths(stateDir).socketDir, database: 'pgbackops' });
  });
});

describe('defaultStateDir', () => {
  test('PGBACKOPS_STATE_DIR, then /var/lib/pgbackops for root, then XDG_STATE_HOME, then ~/.local/state', () => {
    expect(defaultStateDir({ PGBACKOPS_STATE_DIR: '/srv/state', XDG_STATE_HOME: '/x' }, true)).toBe('/srv/state');
    expect(defaultStateDir({ XDG_STATE_HOME: '/x', HOME: '/home/u' }, true)).toBe('/var/lib/pgbackops');
    expect(defaultStateDir({ XDG_STATE_HOME: '/x', HOME: '/home/u' }, false)).toBe('/x/pgbackops');
    expect(defaultStateDir({ XDG_STATE_HOME: 'relative', HOME: '/home/u' }, false)).toBe('/home/u/.local/state/pgbackops');
    expect(defaultStateDir({ HOME: '/home/u' }, false)).toBe('/home/u/.local/state/pgbackops');
  });
});
