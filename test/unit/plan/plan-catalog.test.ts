import { describe, expect, it } from 'vitest';
import { planCatalog } from '../../../src/core/plan/plan-catalog.js';
import { DEFAULT_PLAN_OPTIONS } from '../../../src/core/plan/types.js';
import { KINDS, type Kind } from '../../../src/core/model.js';
import { actualOf, backup, fleet, node, retention, server } from './fixtures.js';

const opts = DEFAULT_PLAN_OPTIONS;

describe('planCatalog', () => {
  it('creates everything in dependency order on an empty catalog', () => {
    const desired = fleet(2);
    const { actions, refusal } = planCatalog(desired, [], {}, opts);
    expect(refusal).toBeUndefined();
    expect(actions.map((a) => `${a.op} ${a.kind}/${a.name}`)).toEqual([
      'create Retention/standard', 'create BackupServer/backup01', 'create Node/pg1', 'create Backup/def-000', 'create Backup/def-001',
    ]);
  });

  it('is empty when the catalog already matches', () => {
    const desired = fleet(3);
    expect(planCatalog(desired, actualOf(desired), {}, opts).actions).toEqual([]);
  });

  it('plans the same whether the lists come in catalog order (walked side by side) or not (matched by name)', () => {
    const before = [...fleet(6), server('backup02'), node('pg2', 'backup02'), backup('gone', 'pg2'), backup('kept', 'pg2')];
    const after = [...fleet(6).map((o) => (o.name === 'def-003' ? backup('def-003', 'pg1', { jobs: 2 }) : o)), backup('new-def', 'pg1'), backup('kept', 'pg2')];
    const inCatalogOrder = <T extends { kind: string; name: string }>(xs: T[]) => [...xs].sort((a, b) => KINDS.indexOf(a.kind as Kind) - KINDS.indexOf(b.kind as Kind) || (a.name < b.name ? -1 : 1));
    const sorted = planCatalog(inCatalogOrder(after), inCatalogOrder(actualOf(before)), { gone: 1 }, opts);
    expect(sorted.actions.map((a) => `${a.op} ${a.kind}/${a.name}${a.blocked ? ' blocked' : ''}`)).toEqual([
      'update Backup/def-003', 'create Backup/new-def', 'delete Backup/gone blocked', 'delete Node/pg2 blocked', 'delete BackupServer/backup02 blocked',
    ]);
    expect(planCatalog([...after].reverse(), inCatalogOrder(actualOf(before)), { gone: 1 }, opts)).toEqual(sorted);
    expect(planCatalog(inCatalogOrder(after), actualOf(before).reverse(), { gone: 1 }, opts)).toEqual(sorted);
  });

  it('updates only what changed and names the changed fields', () => {
    const before = fleet(3);
    const after = before.map((o) => (o.name === 'def-001' ? backup('def-001', 'pg1', { jobs: 4, format: 'directory' }) : o));
    const { actions } = planCatalog(after, actualOf(before), {}, opts);
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({ op: 'update', kind: 'Backup', name: 'def-001', changedFields: ['format', 'jobs'] });
  });

  it('deletes children before parents', () => {
    const before = [...fleet(1), server('backup02'), node('pg2', 'backup02'), backup('gone', 'pg2')];
    const { actions } = planCatalog(fleet(1), actualOf(before), {}, { ...opts, allowMassDelete: true });
    expect(actions.map((a) => `${a.op} ${a.kind}/${a.name}`)).toEqual(['delete Backup/gone', 'delete Node/pg2', 'delete BackupServer/backup02']);
    expect(actions.every((a) => !a.blocked)).toBe(true);
  });

  it('blocks deleting a definition that has backups, and keeps its node and server', () => {
    const before = [...fleet(4), server('backup02'), node('pg2', 'backup02'), backup('gone', 'pg2')];
    const { actions } = planCatalog(fleet(4), actualOf(before), { gone: 3 }, opts);
    const blocked = Object.fromEntries(actions.map((a) => [`${a.kind}/${a.name}`, a.blocked]));
    expect(blocked['Backup/gone']).toMatch(/3 backup\(s\).*--prune/);
    expect(blocked['Node/pg2']).toMatch(/still referenced by Backup\/gone/);
    expect(blocked['BackupServer/backup02']).toMatch(/still referenced by Node\/pg2/);
  });

  it('--prune lets the definition go, then nothing holds the node', () => {
    const before = [...fleet(4), server('backup02'), node('pg2', 'backup02'), backup('gone', 'pg2')];
    const { actions } = planCatalog(fleet(4), actualOf(before), { gone: 3 }, { ...opts, prune: true });
    expect(actions.filter((a) => a.blocked)).toEqual([]);
    expect(actions.filter((a) => a.op === 'delete')).toHaveLength(3);
  });

  it('blocks deleting a retention still used by a blocked definition', () => {
    const keep = [retention('standard'), server('backup01'), node('pg1', 'backup01'), backup('a', 'pg1'), backup('b', 'pg1'), backup('c', 'pg1'), backup('d', 'pg1')];
    const before = [...keep, retention('old'), backup('legacy', 'pg1', { retention: 'old' })];
    const { actions } = planCatalog(keep, actualOf(before), { legacy: 1 }, opts);
    expect(actions.find((a) => a.name === 'old')?.blocked).toMatch(/Backup\/legacy/);
  });

  it('refuses deleting every definition without --allow-mass-delete', () => {
    const before = fleet(2);
    const desired = before.filter((o) => o.kind !== 'Backup');
    const plan = planCatalog(desired, actualOf(before), {}, opts);
    expect(plan.refusal?.code).toBe('E_MASS_DELETE');
    expect(plan.refusal?.message).toMatch(/every backup definition \(2 of 2\)/);
    expect(planCatalog(desired, actualOf(before), {}, { ...opts, allowMassDelete: true }).refusal).toBeUndefined();
  });

  it('refuses deleting more than the configured share', () => {
    const before = fleet(10);
    const desired = before.filter((o) => !['def-000', 'def-001', 'def-002'].includes(o.name));
    expect(planCatalog(desired, actualOf(before), {}, opts).refusal?.message).toMatch(/3 of 10 .*30 %.*25 %/);
    const two = before.filter((o) => !['def-000', 'def-001'].includes(o.name));
    expect(planCatalog(two, actualOf(before), {}, opts).refusal).toBeUndefined();
  });

  it('is deterministic whatever the input order', () => {
    const desired = fleet(5);
    const a = planCatalog(desired, [], {}, opts).actions;
    const b = planCatalog([...desired].reverse(), [], {}, opts).actions;
    expect(b).toEqual(a);
  });
});
