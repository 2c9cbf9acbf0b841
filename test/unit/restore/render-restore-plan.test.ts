import { describe, expect, it } from 'vitest';
import { plainStyle } from '../../../src/core/render/style.js';
import { renderRestorePlan } from '../../../src/core/restore/render-restore-plan.js';
import { planRestore, type BackupFacts, type TargetFacts } from '../../../src/core/restore/restore-plan.js';

const NOW = new Date('2026-11-20T13:00:00Z');
const backup: BackupFacts = {
  runId: '7c0e2a9e-1d4f-4b7e-9a51-3c2d1e0f9a88', definition: 'shop', node: 'pg1', database: 'Shop', backupType: 'full', format: 'directory',
  serverVersion: '15.13', startedAt: '2026-11-20T01:00:00.000Z', directory: '/b', checksumProblems: [], filesChecked: 5, clusterDatabases: [], tablespaces: [],
  roles: [
    { name: 'postgres', bootstrap: true, memberOf: [] },
    { name: 'app_user', bootstrap: false, memberOf: [{ role: 'readers', admin: false }] },
    { name: 'readers', bootstrap: false, memberOf: [] },
  ],
};
const target: TargetFacts = {
  node: 'pg2', serverVersion: '16.4', databases: ['Shop'], tablespaces: [],
  roles: [{ name: 'postgres', bootstrap: true }, { name: 'readers', bootstrap: false }],
  tool: { path: '/usr/lib/postgresql/16/bin/pg_restore', version: '16.4' },
};

describe('renderRestorePlan', () => {
  it('lists the checks and the steps of a plan that passed', () => {
    const plan = planRestore(backup, target, { renameExisting: true, roles: 'reuse', jobs: 4 }, NOW);
    expect(renderRestorePlan(plan, plainStyle)).toBe(`Restore of backup 7c0e2a9e-1d4f-4b7e-9a51-3c2d1e0f9a88
  source:  database "Shop" of definition shop (node pg1, full/directory, PostgreSQL 15.13, taken 2026-11-20T01:00:00.000Z)
  target:  "Shop" on node pg2

Checks:
  ok   checksums: 5 file(s) match the manifest
  ok   server version: target 16.4 >= source 15.13
  ok   client tool: /usr/lib/postgresql/16/bin/pg_restore (16.4)
  ok   target database: "Shop" exists: renamed to "Shop_20261120130000" first
  ok   roles: 1 to create, 1 reused, bootstrap superuser "postgres" is the target's own

Steps:
  1. rename database "Shop" to "Shop_20261120130000"
  2. create role(s) "app_user"
     reuse existing role(s) "readers" as they are
  3. create database "Shop" with the source's properties, settings and privileges
  4. load dump with pg_restore --exit-on-error --jobs=4
  On failure: only what this restore created is dropped, and a renamed database gets its name back.

All checks passed.
`);
  });

  it('shows no steps for a refused plan', () => {
    const text = renderRestorePlan(planRestore(backup, target, { renameExisting: false, roles: 'create', jobs: 1 }, NOW), plainStyle);
    expect(text).toContain('  FAIL target database: database "Shop" already exists on pg2');
    expect(text).toContain('  FAIL roles: role(s) already on pg2: "readers"');
    expect(text).not.toContain('Steps:');
    expect(text.endsWith('Refused: 2 check(s) failed; nothing was changed.\n')).toBe(true);
  });
});
