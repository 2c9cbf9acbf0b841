// Dump a seeded database with the argv pgbackops builds and the real tools, capture its roles and database
// properties, restore everything into a FRESH cluster, and compare the two clusters: schema, data, roles
// (attributes, password hashes, settings, memberships) and the database's own settings and ACL.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureGlobals, listDatabases, type CapturedGlobals } from '../../../src/adapters/postgres/capture-globals.js';
import { findTool } from '../../../src/adapters/postgres/tools.js';
import { buildDumpCommand } from '../../../src/core/dump/dump-command.js';
import type { BackupSpec, DumpFormat } from '../../../src/core/model.js';
import { splitRolesSql } from '../../../src/core/dump/render-roles-sql.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { HOSTILE_ROLE, SEEDED_ROLES, UNRELATED_ROLE, seedDatabase } from '../../helpers/seed.js';
import { backup } from '../../unit/dump/fixtures.js';
import { databaseState, nodeOf, pgRestore, plainDump, psqlFile, psqlFileErrors, query, rolesState, runDump } from '../../helpers/pg-tools.js';

// A name pg_dump would take for a connection string if it ever reached its command line.
const DB = 'Shop "Ω" db=1';

let a: TestCluster;
let work: string;
let captured: CapturedGlobals;
let toolMajor: number;

beforeAll(async () => {
  a = await startTestCluster();
  work = await mkdtemp(path.join(os.tmpdir(), 'pgbo-dump-'));
  await seedDatabase(a.config, DB, 3000);
  captured = await captureGlobals(nodeOf(a), DB);
  toolMajor = (await findTool('pg_dump', 15)).major;
});

afterAll(async () => {
  await a?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('captureGlobals', () => {
  it('finds the roles the database needs, and only those', () => {
    expect([...captured.roles].sort()).toEqual([...SEEDED_ROLES, 'postgres'].sort());
    expect(captured.roles).not.toContain(UNRELATED_ROLE);
    const reasons = Object.fromEntries(captured.roleDetails.map((r) => [r.name, r.reasons]));
    expect(reasons.app_owner).toEqual(expect.arrayContaining(['database-owner', 'owner']));
    expect(reasons.app_user_ro).toContain('database-setting');
    expect(reasons.readers).toEqual(expect.arrayContaining(['grantee', 'policy']));
    expect(reasons['Mixed Case']).toEqual(['grantee']); // through default privileges
    expect(captured.roleDetails.find((r) => r.name === 'postgres')?.bootstrap).toBe(true);
  });

  it('reads attributes, password hashes, settings and memberships', () => {
    const owner = captured.roleDetails.find((r) => r.name === 'app_owner');
    expect(owner).toMatchObject({ login: true, createDb: true, connectionLimit: 10, validUntil: '2099-12-31 23:59:59+00' });
    expect(owner?.passwordHash).toMatch(/^SCRAM-SHA-256\$/);
    expect(captured.passwordsCaptured).toBe(true);
    const user = captured.roleDetails.find((r) => r.name === 'app_user');
    expect(user?.settings).toEqual(['search_path="Sales", public', 'statement_timeout=15min']);
    expect(user?.memberOf).toEqual([{ role: 'Mixed Case', admin: true }]);
    const ro = captured.roleDetails.find((r) => r.name === 'app_user_ro');
    expect(ro).toMatchObject({ inherit: false, memberOf: [{ role: 'readers', admin: false }] });
    expect(captured.roleDetails.find((r) => r.name === 'readers')?.memberOf).toEqual([{ role: 'pg_read_all_stats', admin: false }]);
    // Groups come before their members in roles.sql.
    const order = captured.roles;
    expect(order.indexOf('readers')).toBeLessThan(order.indexOf('app_user_ro'));
    expect(order.indexOf('Mixed Case')).toBeLessThan(order.indexOf('app_user'));
    expect([...splitRolesSql(captured.rolesSql).keys()]).toEqual(order);
  });

  it('reads the database properties', () => {
    expect(captured.database).toMatchObject({
      name: DB,
      owner: 'app_owner',
      encoding: 'UTF8',
      collate: 'C.UTF-8',
      localeProvider: 'libc',
      tablespace: null,
      connectionLimit: 50,
      comment: "seeded for dump tests: 'quoted' and ünïcödé",
      settings: ['work_mem=64MB', 'search_path="Sales", public, "$user"'],
      roleSettings: [{ role: 'app_user_ro', settings: ['statement_timeout=5min'] }],
    });
    expect(captured.database.acl).toEqual([
      { grantee: null, grantor: 'app_owner', privileges: ['TEMPORARY'], grantable: [] },
      { grantee: 'app_owner', grantor: 'app_owner', privileges: ['CREATE', 'TEMPORARY', 'CONNECT'], grantable: [] },
      { grantee: 'app_user', grantor: 'app_owner', privileges: ['CONNECT'], grantable: ['CONNECT'] },
      { grantee: 'readers', grantor: 'app_owner', privileges: ['TEMPORARY', 'CONNECT'], grantable: [] },
    ]);
  });

  it('lists the connectable, non-template databases', async () => {
    expect(await listDatabases(nodeOf(a))).toEqual(['Shop "Ω" db=1', 'postgres']);
  });
});

interface Case {
  label: string;
  spec: Partial<BackupSpec>;
  restore: 'pg_restore' | 'psql';
}

const CASES: Case[] = [
  { label: 'full, custom format', spec: { type: 'full', format: 'custom' }, restore: 'pg_restore' },
  { label: 'full, directory format, 2 jobs', spec: { type: 'full', format: 'directory', jobs: 2 }, restore: 'pg_restore' },
  { label: 'full, plain format', spec: { type: 'full', format: 'plain', compression: { method: 'none' } }, restore: 'psql' },
  { label: 'schema, custom format', spec: { type: 'schema', format: 'custom' }, restore: 'pg_restore' },
  { label: 'data, custom format (onto a restored schema)', spec: { type: 'data', format: 'custom' }, restore: 'pg_restore' },
];

const extension = (format: DumpFormat) => (format === 'custom' ? '.dump' : format === 'plain' ? '.sql' : '');

describe('round trip into a fresh cluster', () => {
  for (const c of CASES) {
    it(`restores a ${c.label} dump with its roles and database properties`, async () => {
      const spec = backup(c.spec);
      const nodeA = nodeOf(a);
      const dir = await mkdtemp(path.join(work, 'case-'));

      const dump = async (s: BackupSpec, name: string) => {
        const output = path.join(dir, `${name}${extension(s.format)}`);
        const cmd = buildDumpCommand(s, nodeA, DB, output, toolMajor);
        const result = await runDump(cmd);
        expect(result.stderr).toBe('');
        expect(result.exitCode).toBe(0);
        return output;
      };
      const archive = await dump(spec, 'dump');
      const schemaArchive = spec.type === 'data' ? await dump(backup({ type: 'schema' }), 'schema') : null;
      const rolesFile = path.join(dir, 'roles.sql');
      const databaseFile = path.join(dir, 'database.sql');
      await writeFile(rolesFile, captured.rolesSql, { mode: 0o600 });
      await writeFile(databaseFile, captured.databaseSql, { mode: 0o600 });

      const b = await startTestCluster();
      try {
        const nodeB = nodeOf(b);
        await psqlFile(nodeB, 'postgres', rolesFile);
        await psqlFile(nodeB, 'postgres', databaseFile);
        if (schemaArchive) await pgRestore(nodeB, DB, schemaArchive);
        if (c.restore === 'psql') await psqlFile(nodeB, DB, archive);
        else await pgRestore(nodeB, DB, archive, spec.jobs > 1 ? ['--jobs=2'] : []);

        expect(await plainDump(nodeB, DB, '--schema-only')).toBe(await plainDump(nodeA, DB, '--schema-only'));
        if (spec.type === 'schema') {
          const counts = await query<{ n: string }>(b, DB, `SELECT count(*) AS n FROM "Sales"."Order Items"`);
          expect(counts[0]?.n).toBe('0');
        } else {
          const dataB = await plainDump(nodeB, DB, '--data-only');
          expect(dataB).toContain('COPY "Sales"."Order Items"');
          expect(dataB).toBe(await plainDump(nodeA, DB, '--data-only'));
        }
        expect(await rolesState(b, captured.roles)).toEqual(await rolesState(a, captured.roles));
        expect(await databaseState(b, DB)).toEqual(await databaseState(a, DB));
        // Only the needed roles came along.
        expect(await query(b, 'postgres', 'SELECT 1 FROM pg_roles WHERE rolname = $1', [UNRELATED_ROLE])).toEqual([]);
      } finally {
        await b.stop();
      }
    });
  }

  it('restores a cluster dump (pg_dumpall) with psql', async () => {
    const nodeA = nodeOf(a, { maintenanceDatabase: 'postgres' });
    const output = path.join(work, 'cluster.sql');
    const spec = backup({ type: 'cluster', databases: 'all', format: 'plain', compression: { method: 'none' } });
    const result = await runDump(buildDumpCommand(spec, nodeA, null, output, toolMajor));
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);

    const b = await startTestCluster();
    try {
      const nodeB = nodeOf(b);
      // pg_dumpall always writes CREATE ROLE for the bootstrap superuser, which the new cluster has: the one
      // error PostgreSQL documents for restoring its output into a fresh cluster.
      expect(await psqlFileErrors(nodeB, 'postgres', output)).toEqual(['ERROR:  role "postgres" already exists']);
      expect(await plainDump(nodeB, DB, '--schema-only')).toBe(await plainDump(nodeA, DB, '--schema-only'));
      expect(await plainDump(nodeB, DB, '--data-only')).toBe(await plainDump(nodeA, DB, '--data-only'));
      const everyRole = [...SEEDED_ROLES, UNRELATED_ROLE, 'postgres'];
      expect(await rolesState(b, everyRole)).toEqual(await rolesState(a, everyRole));
      // pg_dumpall grants the owner's own privileges first, so its ACL holds the same items in another order
      // (our database.sql keeps the order: see the other cases).
      const unordered = (state: unknown) => {
        const s = state as { acl: string };
        return { ...s, acl: s.acl.replace(/^\{|\}$/g, '').split(',').sort() };
      };
      expect(unordered(await databaseState(b, DB))).toEqual(unordered(await databaseState(a, DB)));
    } finally {
      await b.stop();
    }
  });

  it('restores a database under another name with re-rendered database.sql', async () => {
    const { renderDatabaseSql } = await import('../../../src/core/dump/render-database-sql.js');
    const nodeA = nodeOf(a);
    const dir = await mkdtemp(path.join(work, 'rename-'));
    const archive = path.join(dir, 'dump.dump');
    expect((await runDump(buildDumpCommand(backup(), nodeA, DB, archive, toolMajor))).exitCode).toBe(0);
    await writeFile(path.join(dir, 'roles.sql'), captured.rolesSql);
    const target = `copy of ${HOSTILE_ROLE}`;
    await writeFile(path.join(dir, 'database.sql'), renderDatabaseSql(captured.database, target));

    const b = await startTestCluster();
    try {
      const nodeB = nodeOf(b);
      await psqlFile(nodeB, 'postgres', path.join(dir, 'roles.sql'));
      await psqlFile(nodeB, 'postgres', path.join(dir, 'database.sql'));
      await pgRestore(nodeB, target, archive);
      expect(await plainDump(nodeB, target, '--data-only')).toBe(await plainDump(nodeA, DB, '--data-only'));
      const [source, copy] = [await databaseState(a, DB), await databaseState(b, target)];
      expect(copy).toEqual(source);
    } finally {
      await b.stop();
    }
  });
});
