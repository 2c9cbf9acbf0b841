// The local catalog: started on demand under the state directory, safely by several callers at once,
// surviving stops and crashes; and the choice between it and a catalog URL.
import { afterEach, describe, expect, test } from 'vitest';
import { chmod, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Catalog } from '../../../src/adapters/catalog/catalog.js';
import {
  defaultStateDir,
  ensureLocalCatalog,
  localCatalogPaths,
  resolveCatalogConnection,
  stopLocalCatalog,
} from '../../../src/adapters/catalog/local-catalog.js';
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
