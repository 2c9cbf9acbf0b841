// The catalog API against a real PostgreSQL: snapshot round trip, applying changes, refusals, history,
// notifications.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import pg from 'pg';
import {
  APPLY_NOTIFY_CHANNEL,
  Catalog,
  CatalogIntegrityError,
  StaleCatalogError,
  type ApplyRecord,
  type CatalogChange,
} from '../../../src/adapters/catalog/catalog.js';
import { KINDS, type Kind } from '../../../src/core/model.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { backupSpec, create, fleet, nodeSpec, serverSpec, update } from './fleet.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(() => cluster?.stop());

function record(revision: string, summary: Record<string, number> = {}, overrides: string[] = []): ApplyRecord {
  return { revision, actor: 'tester', summary, overrides };
}

async function freshCatalog(): Promise<{ catalog: Catalog; config: pg.ClientConfig }> {
  const config = await cluster.createDatabase();
  return { catalog: await Catalog.open(config), config };
}

async function sql(config: pg.ClientConfig, text: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}

describe('Catalog', () => {
  test('a fresh catalog is empty at version 0', async () => {
    const { catalog } = await freshCatalog();
    expect(await catalog.readPlanningSnapshot()).toEqual({ version: 0, lastAppliedRevision: null, lastAppliedHeldBack: [], objects: [], backupCounts: {} });
    expect(await catalog.readSnapshot()).toEqual({ version: 0, lastAppliedRevision: null, lastAppliedHeldBack: [], objects: [] });
    await catalog.close();
  });

  test('snapshot round trip: what is applied is read back exactly, in kind then name order', async () => {
    const { catalog, config } = await freshCatalog();
    const changes = fleet(25);
    const result = await catalog.applyChanges(changes, record('rev-1', { create: changes.length }), 0);
    expect(result.version).toBe(1);

    const snapshot = await catalog.readSnapshot();
    expect(snapshot.version).toBe(1);
    expect(snapshot.lastAppliedRevision).toBe('rev-1');
    const expected = changes
      .map((c) => (c.op === 'delete' ? c : { kind: c.kind, name: c.name, spec: c.spec, hash: c.hash }))
      .sort((a, b) => KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    expect(snapshot.objects).toEqual(expected);
    expect(snapshot.objects.slice(-3).map((o) => o.name)).toEqual(['def-7', 'def-8', 'def-9']); // byte order: def-10 < def-2

    // Relational columns are derived from the spec, never written separately.
    const node = await sql(config, "select backup_server, status from pgbackops.nodes where name = 'pg-1'");
    expect(node.rows[0]).toEqual({ backup_server: 'backup-1', status: 'running' });
    const def = await sql(config, "select node, retention, enabled from pgbackops.definitions where name = 'def-3'");
    expect(def.rows[0]).toEqual({ node: 'pg-1', retention: 'standard', enabled: true });
    await catalog.close();
  });

  test('updates and deletes apply; every apply is in the history, empty ones too', async () => {
    const { catalog, config } = await freshCatalog();
    await catalog.applyChanges(fleet(20), record('rev-1'), 0);

    const inline = backupSpec(3, 'pg-0', { enabled: false, retention: { keepLast: 3 } });
    const changes: CatalogChange[] = [update('Backup', 'def-3', inline), { op: 'delete', kind: 'Backup', name: 'def-4' }];
    const second = await catalog.applyChanges(changes, record('rev-2', { update: 1, delete: 1 }, ['mass-delete']), 1);
    expect(second.version).toBe(2);
    const snapshot = await catalog.readSnapshot();
    expect(snapshot.objects.find((o) => o.name === 'def-3')).toEqual({ kind: 'Backup', name: 'def-3', spec: inline, hash: changes[0]!.op === 'update' ? changes[0]!.hash : '' });
    expect(snapshot.objects.some((o) => o.name === 'def-4')).toBe(false);
    const def = await sql(config, "select node, retention, enabled from pgbackops.definitions where name = 'def-3'");
    expect(def.rows[0]).toEqual({ node: 'pg-0', retention: null, enabled: false });

    const empty = await catalog.applyChanges([], record('rev-3'), 2);
    expect(empty.version).toBe(2);
    expect((await catalog.readSnapshot()).lastAppliedRevision).toBe('rev-3');

    const history = await sql(
      config,
      'select revision, actor, summary, overrides, catalog_version_before as b, catalog_version_after as a, finished_at >= started_at as ordered from pgbackops.apply_history order by id',
    );
    expect(history.rows).toEqual([
      { revision: 'rev-1', actor: 'tester', summary: {}, overrides: [], b: '0', a: '1', ordered: true },
      { revision: 'rev-2', actor: 'tester', summary: { update: 1, delete: 1 }, overrides: ['mass-delete'], b: '1', a: '2', ordered: true },
      { revision: 'rev-3', actor: 'tester', summary: {}, overrides: [], b: '2', a: '2', ordered: true },
    ]);
    await catalog.close();
  });

  test('a plan made against an older version is refused and changes nothing', async () => {
    const { catalog, config } = await freshCatalog();
    await catalog.applyChanges(fleet(10), record('rev-1'), 0);
    const stale = catalog.applyChanges([update('Node', 'pg-0', nodeSpec(0, 'backup-0', 'stopped'))], record('rev-2'), 0);
    await expect(stale).rejects.toBeInstanceOf(StaleCatalogError);
    await expect(stale).rejects.toThrow(/catalog version 1, plan made against 0/);
    const snapshot = await catalog.readSnapshot();
    expect(snapshot.version).toBe(1);
    expect(snapshot.objects.find((o) => o.name === 'pg-0')!.spec).toEqual(nodeSpec(0, 'backup-0'));
    expect((await sql(config, 'select count(*)::int as n from pgbackops.apply_history')).rows[0].n).toBe(1);
    await catalog.close();
  });

  test('foreign keys are the backstop: referenced servers and nodes cannot go, dangling references cannot come', async () => {
    const { catalog } = await freshCatalog();
    await catalog.applyChanges(fleet(20), record('rev-1'), 0); // nodes pg-0, pg-1; def-N is on pg-(N % 2)

    const deleteNode = catalog.applyChanges([{ op: 'delete', kind: 'Node', name: 'pg-0' }], record('rev-2'), 1);
    await expect(deleteNode).rejects.toBeInstanceOf(CatalogIntegrityError);
    await expect(deleteNode).rejects.toThrow(/delete of Node pg-0: still referenced: Key \(name\)=\(pg-0\) is still referenced from table "definitions"/);

    const deleteServer = catalog.applyChanges([{ op: 'delete', kind: 'BackupServer', name: 'backup-0' }], record('rev-2'), 1);
    await expect(deleteServer).rejects.toThrow(/still referenced from table "nodes"/);

    const dangling = catalog.applyChanges([create('Node', 'pg-new', nodeSpec(9, 'no-such-server'))], record('rev-2'), 1);
    await expect(dangling).rejects.toThrow(/create of Node pg-new: references something that does not exist: Key \(backup_server\)=\(no-such-server\)/);

    // A node deleted together with all its definitions, listed node first, works: deletes run in reverse kind order.
    const deletions: CatalogChange[] = [{ op: 'delete', kind: 'Node', name: 'pg-1' }];
    for (let d = 1; d < 20; d += 2) deletions.push({ op: 'delete', kind: 'Backup', name: `def-${d}` });
    const ok = await catalog.applyChanges(deletions, record('rev-3'), 1);
    expect(ok.version).toBe(2);
    expect((await catalog.readSnapshot()).objects.filter((o) => o.kind === 'Node').map((o) => o.name)).toEqual(['pg-0']);
    await catalog.close();
  });

  test('creates in dependency order within one apply, whatever order the change list has', async () => {
    const { catalog } = await freshCatalog();
    const changes = fleet(5).reverse();
    await expect(catalog.applyChanges(changes, record('rev-1'), 0)).resolves.toMatchObject({ version: 1 });
    await catalog.close();
  });

  test('changes the catalog does not match are refused: missing rows, duplicates, invalid names', async () => {
    const { catalog } = await freshCatalog();
    await catalog.applyChanges(fleet(10), record('rev-1'), 0);
    await expect(catalog.applyChanges([update('BackupServer', 'nope', serverSpec(1))], record('r'), 1)).rejects.toThrow(
      /update of 1 BackupServer object\(s\) matched 0 row\(s\)/,
    );
    await expect(catalog.applyChanges([{ op: 'delete', kind: 'Retention', name: 'nope' }], record('r'), 1)).rejects.toThrow(/matched 0 row/);
    await expect(catalog.applyChanges([create('BackupServer', 'backup-0', serverSpec(0))], record('r'), 1)).rejects.toThrow(
      /create of BackupServer backup-0: already exists/,
    );
    await expect(catalog.applyChanges([create('BackupServer', 'Bad_Name', serverSpec(1))], record('r'), 1)).rejects.toBeInstanceOf(CatalogIntegrityError);
    await expect(catalog.applyChanges([create('Retention', 'x', {}), create('Retention', 'x', {})], record('r'), 1)).rejects.toThrow(/more than once/);
    expect((await catalog.readSnapshot()).version).toBe(1);
    await catalog.close();
  });

  test('backup counts cover runs that hold files, also of definitions no longer configured', async () => {
    const { catalog, config } = await freshCatalog();
    await catalog.applyChanges(fleet(10), record('rev-1'), 0);
    await sql(
      config,
      `insert into pgbackops.backup_runs (definition, node, backup_server, database, status, started_at)
       select d, 'pg-0', 'backup-0', 'db', s, now()
         from (values ('def-1', 'succeeded'), ('def-1', 'expiring'), ('def-1', 'failed'), ('def-1', 'running'),
                      ('def-2', 'skipped'), ('retired', 'succeeded')) v(d, s)`,
    );
    expect((await catalog.readPlanningSnapshot()).backupCounts).toEqual({ 'def-1': 2, retired: 1 });
    await catalog.close();
  });

  test('a planning read by name -> hash takes the known spec where the hash matches and reads the others', async () => {
    const { catalog } = await freshCatalog();
    await catalog.applyChanges(fleet(12), record('rev-1'), 0);
    const full = await catalog.readPlanningSnapshot();
    // Known: most objects as stored (fresh copies, so that taking one is visible by identity), one with
    // another hash (a changed definition), none for def-5 (removed from the configuration), one the
    // catalog does not hold.
    const known = new Map<Kind, Map<string, { hash: string; spec: unknown }>>();
    const ofKind = (kind: Kind) => known.get(kind) ?? known.set(kind, new Map()).get(kind)!;
    for (const o of full.objects) ofKind(o.kind).set(o.name, { hash: o.hash, spec: structuredClone(o.spec) });
    ofKind('Backup').set('def-3', { hash: 'another hash', spec: { node: 'elsewhere' } });
    ofKind('Backup').delete('def-5');
    ofKind('Backup').set('def-99', { hash: 'h', spec: {} });

    const byHash = await catalog.readPlanningSnapshot(known);
    expect(byHash).toEqual(full);
    // Given as a promise (plan sends the read while its configuration loads): the same objects.
    expect(await catalog.readPlanningSnapshot(async () => known)).toEqual(full);
    for (const o of byHash.objects) {
      const mine = known.get(o.kind)?.get(o.name);
      if (o.name === 'def-3' || o.name === 'def-5') expect(o.spec).not.toBe(mine?.spec);
      else expect(o.spec).toBe(mine!.spec);
    }
    await catalog.close();
  });

  test('an apply that changed something notifies listeners with the new version on commit', async () => {
    const { catalog, config } = await freshCatalog();
    const listener = new pg.Client(config);
    await listener.connect();
    const payloads: string[] = [];
    listener.on('notification', (n) => payloads.push(`${n.channel}:${n.payload}`));
    await listener.query(`listen ${APPLY_NOTIFY_CHANNEL}`);

    await catalog.applyChanges(fleet(5), record('rev-1'), 0);
    await catalog.applyChanges([], record('rev-2'), 1); // nothing changed: no wake-up
    await catalog.applyChanges([update('Node', 'pg-0', nodeSpec(0, 'backup-0', 'stopped'))], record('rev-3'), 1);
    await expect(catalog.applyChanges([], record('rev-4'), 0)).rejects.toBeInstanceOf(StaleCatalogError);
    // A round trip on the listener's connection delivers any notification already sent.
    await listener.query('select 1');
    await listener.end();
    expect(payloads).toEqual([`${APPLY_NOTIFY_CHANNEL}:1`, `${APPLY_NOTIFY_CHANNEL}:2`]);
    await catalog.close();
  });

  test('recordAttempt keeps the failure visible until an apply succeeds, without moving the version', async () => {
    const { catalog, config } = await freshCatalog();
    await catalog.recordAttempt('rev-bad', 'E001 invalid schedule in backups.yaml:3:5');
    const state = () =>
      sql(config, 'select version, last_applied_revision, last_attempted_revision, last_attempt_error from pgbackops.catalog_state').then((r) => r.rows[0]);
    expect(await state()).toEqual({ version: '0', last_applied_revision: null, last_attempted_revision: 'rev-bad', last_attempt_error: 'E001 invalid schedule in backups.yaml:3:5' });
    await catalog.applyChanges(fleet(5), record('rev-good'), 0);
    expect(await state()).toEqual({ version: '1', last_applied_revision: 'rev-good', last_attempted_revision: 'rev-good', last_attempt_error: null });
    await catalog.close();
  });

  test('close ends every connection', async () => {
    const { catalog, config } = await freshCatalog();
    await catalog.readSnapshot();
    await catalog.withApplyLock('tester', 1000, () => catalog.readSnapshot());
    const before = await sql(config, 'select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    expect(before.rows[0].n).toBeGreaterThan(0);
    await catalog.close();
    const after = await sql(config, 'select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    expect(after.rows[0].n).toBe(0);
  });

  test('a lock session killed while checked out neither fails the call nor the process, and frees the apply lock', async () => {
    const { catalog, config } = await freshCatalog();
    const other = await Catalog.open(config);
    // The lock session is terminated from outside while fn runs, as a server restart or a DBA would. The
    // lock ended with its session: releasing it is done, not a failure, and fn's outcome stands (what fn
    // commits is guarded by the catalog version check, not by the lock).
    const during = catalog.withApplyLock('tester', 1000, async () => {
      await sql(config, "select pg_terminate_backend(backend_pid) from pgbackops.apply_locks where lock_name = 'apply'");
      await new Promise((r) => setTimeout(r, 200));
      return 'done';
    });
    await expect(during).resolves.toBe('done');
    // The lock went with the session, and the catalog keeps working on fresh connections.
    await expect(other.withApplyLock('other', 0, async () => 'got it')).resolves.toBe('got it');
    expect((await catalog.readSnapshot()).version).toBe(0);
    await other.close();
    await catalog.close();
  });
});
