import { describe, expect, it } from 'vitest';
import { changesSincePlan } from '../../../src/core/restore/plan-recheck.js';
import { planRestore, type BackupFacts, type TargetFacts } from '../../../src/core/restore/restore-plan.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const backup: BackupFacts = {
  runId: 'r1', definition: 'd', node: 'pg1', database: 'shop', backupType: 'full', format: 'custom', serverVersion: '15.4',
  startedAt: '2026-03-01T00:00:00Z', directory: '/b', checksumProblems: [], filesChecked: 3, clusterDatabases: [], tablespaces: [],
  roles: [{ name: 'owner', bootstrap: false, memberOf: [] }, { name: 'reader', bootstrap: false, memberOf: [] }],
};
const target = (over: Partial<TargetFacts> = {}): TargetFacts => ({
  node: 'pg2', serverVersion: '15.4', databases: ['postgres'], tablespaces: ['pg_default'],
  roles: [{ name: 'postgres', bootstrap: true }], tool: { path: '/bin/pg_restore', version: '15.4' }, ...over,
});
const options = { renameExisting: false, roles: 'reuse' as const, jobs: 1 };

describe('changesSincePlan', () => {
  it('finds nothing when the target is as it was', () => {
    expect(changesSincePlan(planRestore(backup, target(), options, NOW), planRestore(backup, target(), options, NOW))).toEqual([]);
  });

  it('gives the new refusals when the target database appeared meanwhile', () => {
    const planned = planRestore(backup, target(), options, NOW);
    const current = planRestore(backup, target({ databases: ['postgres', 'shop'] }), options, NOW);
    expect(changesSincePlan(planned, current)).toEqual([expect.stringMatching(/^target database: database "shop" already exists on pg2/)]);
  });

  it('names a change of what the restore would do', () => {
    const planned = planRestore(backup, target(), options, NOW);
    const current = planRestore(backup, target({ roles: [{ name: 'postgres', bootstrap: true }, { name: 'reader', bootstrap: false }] }), options, NOW);
    expect(changesSincePlan(planned, current)).toEqual([
      'roles to create: now "owner" (planned: "owner", "reader")',
      'roles reused: now "reader" (planned: none)',
    ]);
  });
});
