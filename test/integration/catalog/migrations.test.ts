// Catalog schema migrations on real databases: fresh, re-opened, raced, too new, failing midway.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import pg from 'pg';
import { Catalog, CatalogTooNewError } from '../../../src/adapters/catalog/catalog.js';
import { LockKey, PGBACKOPS_LOCK_CLASS } from '../../../src/adapters/catalog/advisory-locks.js';
import { migrate, readMigrationFiles, type Query } from '../../../src/adapters/catalog/migrations.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { withClient } from '../../helpers/pg-tools.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(() => cluster?.stop());

const queryOn =
  (client: pg.Client): Query =>
  (sql, params) =>
    params === undefined ? client.query(sql) : client.query(sql, params);

describe('catalog migrations', () => {
  test('the migration files are numbered, named and ordered', async () => {
    const files = await readMigrationFiles();
    expect(files[0]).toMatchObject({ version: 1, name: 'initial' });
    expect(files.map((f) => f.version)).toEqual([...files.map((f) => f.version)].sort((a, b) => a - b));
  });

  test('a fresh database gets every migration; opening again applies nothing', async () => {
    const config = await cluster.createDatabase();
    const files = await readMigrationFiles();
    const catalog = await Catalog.open(config);
    const status = await catalog.migrationStatus();
    expect(status.pending).toEqual([]);
    expect(status.applied.map((m) => m.version)).toEqual(files.map((f) => f.version));
    expect(status.applied[0]!.appliedAt).toBeInstanceOf(Date);
    await catalog.close();

    const tables = await withClient(config, async (c) =>
      (await c.query("select table_name from information_schema.tables where table_schema = 'pgbackops' order by 1")).rows.map((r) => r.table_name),
    );
    expect(tables).toEqual([
      'apply_history',
      'apply_locks',
      'backup_runs',
      'backup_servers',
      'catalog_state',
      'definition_kept_bytes',
      'definition_run_summaries',
      'definitions',
      'nodes',
      'notification_outbox',
      'notification_state',
      'notifiers',
      'object_stores',
      'offsite_copies',
      'pgbackrest_stanza_checks',
      'restorable_windows',
      'restore_runs',
      'restores',
      'retentions',
      'schema_migrations',
      'snapshots',
      'wal_receivers',
    ]);

    const again = await Catalog.open(config);
    const before = again.statementsIssued;
    expect((await again.migrationStatus()).applied).toHaveLength(files.length);
    expect(again.statementsIssued - before).toBeLessThanOrEqual(2);
    await again.close();
    const rows = await withClient(config, async (c) => (await c.query('select count(*)::int as n from pgbackops.schema_migrations')).rows[0].n);
    expect(rows).toBe(files.length);
  });

  test('several processes opening a fresh catalog at once apply each migration exactly once', async () => {
    const config = await cluster.createDatabase();
    const catalogs = await Promise.all([1, 2, 3, 4].map(() => Catalog.open(config)));
    const files = await readMigrationFiles();
    for (const catalog of catalogs) {
      expect((await catalog.migrationStatus()).pending).toEqual([]);
      await catalog.close();
    }
    const versions = await withClient(config, async (c) => (await c.query('select version from pgbackops.schema_migrations order by 1')).rows.map((r) => r.version));
    expect(versions).toEqual(files.map((f) => f.version));
    const state = await withClient(config, async (c) => (await c.query('select count(*)::int as n from pgbackops.catalog_state')).rows[0].n);
    expect(state).toBe(1);
  });

  test('a catalog migrated by a newer pgbackops is refused with a clear message', async () => {
    const config = await cluster.createDatabase();
    await (await Catalog.open(config)).close();
    await withClient(config, (c) => c.query("insert into pgbackops.schema_migrations (version, name, checksum) values (999, 'from_the_future', 'x')"));
    const opening = Catalog.open(config);
    await expect(opening).rejects.toBeInstanceOf(CatalogTooNewError);
    await expect(opening).rejects.toThrow(/migration 999 \(from_the_future\), newer than this pgbackops knows \(up to \d+\); upgrade pgbackops/);
  });

  test('a failing migration is rolled back entirely and not recorded; earlier ones stay', async () => {
    const config = await cluster.createDatabase();
    const files = await readMigrationFiles();
    const broken = { version: 9000, name: 'broken', sql: 'create table pgbackops.half_done (a int); select 1 / 0;', checksum: 'x' };
    await withClient(config, async (client) => {
      await expect(migrate(queryOn(client), [...files, broken])).rejects.toThrow(/catalog migration 9000_broken failed: division by zero/);
      const versions = (await client.query('select version from pgbackops.schema_migrations order by 1')).rows.map((r) => r.version);
      expect(versions).toEqual(files.map((f) => f.version));
      expect((await client.query("select to_regclass('pgbackops.half_done') as t")).rows[0].t).toBeNull();
      // The advisory lock was released: another session can take it at once.
      const other = new pg.Client(config);
      await other.connect();
      const locked = await other.query('select pg_try_advisory_lock($1, $2) as ok', [PGBACKOPS_LOCK_CLASS, LockKey.migrations]);
      expect(locked.rows[0].ok).toBe(true);
      await other.end();
    });
  });
});
