import { describe, expect, it } from 'vitest';
import { majorOf, planRestore, renamedName, type BackupFacts, type TargetFacts } from '../../../src/core/restore/restore-plan.js';

const NOW = new Date('2026-11-20T13:04:05.678Z');

function backup(over: Partial<BackupFacts> = {}): BackupFacts {
  return {
    runId: 'r1', definition: 'shop', node: 'pg1', database: 'shop', backupType: 'full', format: 'directory', serverVersion: '15.13',
    startedAt: '2026-11-20T01:00:00.000Z', directory: '/b', checksumProblems: [], filesChecked: 5, clusterDatabases: [], tablespaces: [],
    roles: [
      { name: 'postgres', bootstrap: true, memberOf: [] },
      { name: 'app_user', bootstrap: false, memberOf: [{ role: 'readers', admin: false }] },
      { name: 'readers', bootstrap: false, memberOf: [] },
    ],
    ...over,
  };
}

function target(over: Partial<TargetFacts> = {}): TargetFacts {
  return {
    node: 'pg2', serverVersion: '16.4', databases: ['postgres', 'template0', 'template1'], tablespaces: ['pg_default', 'pg_global'],
    roles: [{ name: 'postgres', bootstrap: true }], tool: { path: '/usr/bin/pg_restore', version: '16.4' }, ...over,
  };
}

const options = { renameExisting: false, roles: 'create' as const, jobs: 4 };

describe('planRestore', () => {
  it('creates missing roles in membership order, maps the bootstrap superuser, loads with parallel jobs', () => {
    const plan = planRestore(backup(), target(), options, NOW);
    expect(plan.refusals).toEqual([]);
    expect(plan.rolesToCreate).toEqual(['readers', 'app_user']);
    expect(plan.bootstrapMapped).toBe('postgres');
    expect(plan.databasesToCreate).toEqual(['shop']);
    expect(plan.load).toEqual({ tool: 'pg_restore', jobs: 4, file: 'dump' });
  });

  it('refuses existing roles unless reused, and lists them', () => {
    const t = target({ roles: [{ name: 'postgres', bootstrap: true }, { name: 'readers', bootstrap: false }] });
    expect(planRestore(backup(), t, options, NOW).refusals).toEqual([
      'roles: role(s) already on pg2: "readers" (use --roles reuse to use them as they are; they are never altered)',
    ]);
    const reuse = planRestore(backup(), t, { ...options, roles: 'reuse' }, NOW);
    expect(reuse.refusals).toEqual([]);
    expect(reuse.rolesReused).toEqual(['readers']);
    expect(reuse.rolesToCreate).toEqual(['app_user']);
  });

  it('refuses an existing database; with renameExisting renames it to <name>_<UTC timestamp>', () => {
    const t = target({ databases: ['shop'] });
    expect(planRestore(backup(), t, options, NOW).refusals[0]).toMatch(/^target database: database "shop" already exists on pg2/);
    const plan = planRestore(backup(), t, { ...options, renameExisting: true }, NOW);
    expect(plan.refusals).toEqual([]);
    expect(plan.renames).toEqual([{ from: 'shop', to: 'shop_20261120130405' }]);
    expect(planRestore(backup(), target({ databases: ['shop', 'shop_20261120130405'] }), { ...options, renameExisting: true }, NOW).refusals)
      .toEqual(['rename: database "shop_20261120130405" already exists']);
  });

  it('refuses an older target, checksum problems, an unreachable node, and a missing tool', () => {
    expect(planRestore(backup({ serverVersion: '17.0' }), target(), options, NOW).refusals).toEqual(['server version: target 16.4 is older than the source 17.0']);
    expect(planRestore(backup({ checksumProblems: ['dump/toc.dat: missing'] }), target(), options, NOW).refusals).toEqual(['checksums: dump/toc.dat: missing']);
    expect(planRestore(backup(), target({ serverVersion: null, error: 'timeout', tool: { error: 'target not reachable' } }), options, NOW).refusals)
      .toEqual(['target node: pg2 is not reachable: timeout', 'client tool: target not reachable']);
  });

  it('refuses a data-only backup: the new database would have no tables', () => {
    expect(planRestore(backup({ backupType: 'data' }), target(), options, NOW).refusals[0]).toMatch(/^backup type: a data-only backup/);
  });

  it('refuses when the database tablespace is missing on the target', () => {
    expect(planRestore(backup({ tablespaces: ['fast'] }), target(), options, NOW).refusals).toEqual(['tablespaces: missing on pg2: "fast" (create them first)']);
    expect(planRestore(backup({ tablespaces: ['fast'] }), target({ tablespaces: ['fast'] }), options, NOW).refusals).toEqual([]);
  });

  it('restores under another name and refuses names PostgreSQL would truncate', () => {
    expect(planRestore(backup(), target(), { ...options, targetDatabase: 'Shop copy' }, NOW).databasesToCreate).toEqual(['Shop copy']);
    expect(planRestore(backup(), target(), { ...options, targetDatabase: 'x'.repeat(64) }, NOW).refusals[0]).toMatch(/longer than 63 bytes/);
  });

  it('plans a cluster dump: its databases, its roles, psql, and no --database', () => {
    const cluster = backup({ database: null, backupType: 'cluster', format: 'plain', clusterDatabases: ['a', 'b'],
      roles: [{ name: 'postgres', bootstrap: false, memberOf: [] }, { name: 'app', bootstrap: false, memberOf: [] }] });
    const plan = planRestore(cluster, target(), options, NOW);
    expect(plan.refusals).toEqual([]);
    expect(plan).toMatchObject({ targetDatabase: null, databasesToCreate: ['a', 'b'], rolesToCreate: ['app'], bootstrapMapped: 'postgres' });
    expect(plan.load).toEqual({ tool: 'psql', jobs: 1, file: 'dump.sql' });
    expect(planRestore(cluster, target(), { ...options, targetDatabase: 'x' }, NOW).refusals[0]).toMatch(/--database does not apply/);
  });
});

describe('helpers', () => {
  it('majorOf and renamedName', () => {
    expect([majorOf('15.13'), majorOf('9.6.24'), majorOf('16beta1')]).toEqual([15, 9.6, 16]);
    expect(renamedName('db', NOW)).toBe('db_20261120130405');
  });
});
