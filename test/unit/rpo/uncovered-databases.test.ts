// Databases without a backup: what `plan --check-nodes` lists per node, and what the mass-delete brake counts
// besides deletes (databases a revision leaves without a scheduled backup), with and without the nodes' answers.
import { describe, expect, it } from 'vitest';
import { makePlan } from '../../../src/core/plan/make-plan.js';
import { DEFAULT_PLAN_OPTIONS } from '../../../src/core/plan/types.js';
import { renderPlanText } from '../../../src/core/render/plan-text.js';
import { plainStyle } from '../../../src/core/render/style.js';
import { nodeCoverage, nodesToAsk, protectionLost } from '../../../src/core/rpo/uncovered-databases.js';
import type { DesiredObject } from '../../../src/core/model.js';
import { actualOf, backup, node, retention, server } from '../plan/fixtures.js';

const base = [retention('standard'), server('backup01'), node('pg1', 'backup01'), node('pg2', 'backup01')];
const fleet = (...backups: DesiredObject[]) => [...base, ...backups];
const plan = (before: DesiredObject[], after: DesiredObject[], extra: { allowMassDelete?: boolean; asked?: Parameters<typeof makePlan>[5] } = {}) =>
  makePlan({ revision: 'r', objects: after }, { catalogVersion: 1, objects: actualOf(before), backupCounts: {} },
    { server: null, note: 'catalog only' }, { ...DEFAULT_PLAN_OPTIONS, allowMassDelete: extra.allowMassDelete ?? false }, Date.UTC(2026, 0, 1), extra.asked);

describe('protectionLost', () => {
  it('counts what disabling definitions uncovers, though nothing is deleted', () => {
    const before = fleet(backup('a', 'pg1', { databases: ['orders'] }), backup('b', 'pg1', { databases: ['billing'] }), backup('c', 'pg2', { databases: 'all' }));
    const after = fleet(backup('a', 'pg1', { databases: ['orders'] }), backup('b', 'pg1', { databases: ['billing'], enabled: false }), backup('c', 'pg2', { databases: 'all', enabled: false }));
    const loss = protectionLost(actualOf(before), actualOf(after), new Set(['pg1', 'pg2']));
    expect(loss.protectedBefore).toBe(3);
    expect(loss.lost).toEqual([
      { node: 'pg1', database: 'billing', definition: null },
      { node: 'pg2', database: null, definition: 'c' },
    ]);
  });

  it('does not count a database another definition still backs up, nor two "all" definitions twice', () => {
    const before = fleet(backup('all-nightly', 'pg1', { databases: 'all' }), backup('all-weekly', 'pg1', { databases: 'all' }), backup('orders', 'pg1', { databases: ['orders'] }));
    const after = fleet(backup('all-nightly', 'pg1', { databases: 'all' }));
    const loss = protectionLost(actualOf(before), actualOf(after), new Set(['pg1']));
    expect(loss).toEqual({ protectedBefore: 2, lost: [] });
    // An "all" that excludes orders does not back up what an "all" without exclusions did.
    const narrower = fleet(backup('all-nightly', 'pg1', { databases: 'all', exclude: ['orders'] }));
    expect(protectionLost(actualOf(before), actualOf(narrower), new Set(['pg1'])).lost.map((u) => u.database ?? `every:${u.definition}`))
      .toEqual(['every:all-nightly', 'orders']);
  });

  it('counts a stopped node and a structure-only dump as no backup', () => {
    const before = fleet(backup('a', 'pg2', { databases: ['x', 'y'] }), backup('s', 'pg1', { databases: ['z'], type: 'schema' }));
    const after = [...base.filter((o) => o.name !== 'pg2'), node('pg2', 'backup01', { status: 'stopped' }), backup('a', 'pg2', { databases: ['x', 'y'] }), backup('s', 'pg1', { databases: ['z'], type: 'schema' })];
    expect(protectionLost(actualOf(before), actualOf(after), new Set(['pg2']))).toEqual({
      protectedBefore: 2, lost: [{ node: 'pg2', database: 'x', definition: null }, { node: 'pg2', database: 'y', definition: null }],
    });
  });

  it('counts a touched node whose definitions keep what they back up, and sees a list that drops a database', () => {
    const defs = (schedule: string, databases: string[]) => fleet(
      backup('lists', 'pg1', { databases, schedule, resolvedSchedule: schedule }), backup('all', 'pg1', { databases: 'all', exclude: ['tmp'] }),
      backup('off', 'pg1', { databases: ['old'], enabled: false }), backup('c', 'pg2', { type: 'cluster' }));
    const before = actualOf(defs('0 1 * * *', ['orders', 'billing']));
    // Only schedules change: nothing is lost, and every unit still counts (orders, billing, every database twice).
    expect(protectionLost(before, actualOf(defs('0 4 * * 1-5', ['orders', 'billing'])), new Set(['pg1', 'pg2']))).toEqual({ protectedBefore: 4, lost: [] });
    // The list drops billing: still covered by the "all" definition (it does not exclude billing).
    expect(protectionLost(before, actualOf(defs('0 1 * * *', ['orders'])), new Set(['pg1']))).toEqual({ protectedBefore: 4, lost: [] });
    const narrower = fleet(backup('lists', 'pg1', { databases: ['orders'] }), backup('all', 'pg1', { databases: 'all', exclude: ['tmp', 'billing'] }), backup('off', 'pg1', { databases: ['old'], enabled: false }), backup('c', 'pg2', { type: 'cluster' }));
    expect(protectionLost(before, actualOf(narrower), new Set(['pg1'])).lost).toEqual([
      { node: 'pg1', database: null, definition: 'all' }, { node: 'pg1', database: 'billing', definition: null },
    ]);
  });

  it('counts the databases a node answered instead of what the configuration names', () => {
    const before = fleet(backup('all', 'pg1', { databases: 'all' }), backup('a2', 'pg2', { databases: ['k'] }));
    const after = fleet(backup('all', 'pg1', { databases: 'all', exclude: ['big', 'huge'] }), backup('a2', 'pg2', { databases: ['k'] }));
    const asked = { pg1: { databases: ['app', 'big', 'huge', 'postgres'] }, pg2: { error: 'connection refused' } };
    expect(protectionLost(actualOf(before), actualOf(after), new Set(['pg1']), asked)).toEqual({
      protectedBefore: 5, lost: [{ node: 'pg1', database: 'big', definition: null }, { node: 'pg1', database: 'huge', definition: null }],
    });
  });
});

describe('the mass-delete brake counts databases left without a backup', () => {
  const before = fleet(...['a', 'b', 'c', 'd'].map((db) => backup(`def-${db}`, 'pg1', { databases: [db] })));
  const disable = (names: string[]) => fleet(...['a', 'b', 'c', 'd'].map((db) => backup(`def-${db}`, 'pg1', { databases: [db], enabled: !names.includes(db) })));

  it('refuses disabling more than the share, names the databases, and --allow-mass-delete lets it through', () => {
    const refused = plan(before, disable(['a', 'b']));
    expect(refused.refusal?.code).toBe('E_MASS_DELETE');
    expect(refused.refusal?.message).toBe('this revision leaves 2 of 4 databases that have a backup (50 %, above the 25 % brake) without a scheduled backup: a (node pg1), b (node pg1); if that is intended, apply with --allow-mass-delete');
    expect(renderPlanText(refused, plainStyle)).toContain('Refused (E_MASS_DELETE): this revision leaves 2 of 4 databases');
    expect(plan(before, disable(['a', 'b']), { allowMassDelete: true }).refusal).toBeUndefined();
    expect(plan(before, disable(['a'])).refusal).toBeUndefined();
    expect(plan(before, disable(['a', 'b', 'c', 'd'])).refusal?.message).toMatch(/^this revision leaves every database that has a backup \(4 of 4\)/);
  });

  it('counts what the nodes answered with --check-nodes: one "all" definition disabled is every database of the node', () => {
    const wide = fleet(backup('all', 'pg1', { databases: 'all' }), ...['a', 'b', 'c'].map((db) => backup(`def-${db}`, 'pg2', { databases: [db] })));
    const narrowed = fleet(backup('all', 'pg1', { databases: 'all', enabled: false }), ...['a', 'b', 'c'].map((db) => backup(`def-${db}`, 'pg2', { databases: [db] })));
    // By the configuration, 1 unit of 4: under the brake.
    expect(plan(wide, narrowed).refusal).toBeUndefined();
    const asked = { pg1: { databases: ['app', 'crm', 'erp', 'hr', 'postgres'] }, pg2: { databases: ['a', 'b', 'c', 'scratch'] } };
    const checked = plan(wide, narrowed, { asked });
    expect(checked.refusal?.message).toMatch(/^this revision leaves 5 of 8 databases that have a backup \(63 %, above the 25 % brake\) without a scheduled backup: app \(node pg1\), crm \(node pg1\), erp \(node pg1\), hr \(node pg1\), postgres \(node pg1\);/);
    expect(checked.nodeCoverage).toEqual([
      { node: 'pg1', reachable: true, error: null, uncovered: ['app', 'crm', 'erp', 'hr', 'postgres'], leftUncovered: ['app', 'crm', 'erp', 'hr', 'postgres'] },
      { node: 'pg2', reachable: true, error: null, uncovered: ['scratch'], leftUncovered: [] },
    ]);
  });

  it('leaves a plan that changes nothing alone', () => {
    expect(plan(before, before).refusal).toBeUndefined();
  });
});

describe('nodeCoverage', () => {
  it('lists each asked node: unreachable, fully covered, or its databases without a backup', () => {
    const before = fleet(backup('a', 'pg1', { databases: ['orders', 'billing'] }));
    const after = fleet(backup('a', 'pg1', { databases: ['orders'] }));
    const asked = { pg1: { databases: ['orders', 'billing', 'scratch'] }, pg2: { error: 'no answer within 5 s' } };
    const coverage = nodeCoverage(actualOf(before), actualOf(after), asked);
    expect(coverage).toEqual([
      { node: 'pg1', reachable: true, error: null, uncovered: ['billing', 'scratch'], leftUncovered: ['billing'] },
      { node: 'pg2', reachable: false, error: 'no answer within 5 s', uncovered: [], leftUncovered: [] },
    ]);
    const text = renderPlanText(plan(before, after, { asked, allowMassDelete: true }), plainStyle);
    expect(text).toContain([
      'Databases without a backup after this plan (--check-nodes):',
      '  pg1: billing [no backup after this apply], scratch',
      '  pg2: unreachable: no answer within 5 s',
    ].join('\n'));
  });

  it('asks the nodes running before or after the plan, with the spec they will have', () => {
    const before = [...base, node('pg3', 'backup01', { status: 'stopped' })];
    const after = [...base.filter((o) => o.name !== 'pg2'), node('pg2', 'backup01', { status: 'stopped', port: 5433 }), node('pg3', 'backup01')];
    expect(nodesToAsk(actualOf(before), actualOf(after)).map((n) => [n.name, n.spec.port, n.spec.status])).toEqual([
      ['pg1', 5432, 'running'], ['pg2', 5433, 'stopped'], ['pg3', 5432, 'running'],
    ]);
  });
});

describe('status lists the same databases as plan --check-nodes', () => {
  it('a structure-only dump is no backup of a database; a disabled definition none either', async () => {
    const { statusReport } = await import('../../../src/core/reports/status-report.js');
    const objects = actualOf(fleet(
      backup('orders', 'pg1', { databases: ['orders'] }),
      backup('shape', 'pg1', { databases: ['billing'], type: 'schema' }),
      backup('off', 'pg1', { databases: ['hr'], enabled: false }),
    ));
    const asked = { pg1: { databases: ['billing', 'hr', 'orders'] } };
    const definitions = objects.filter((o) => o.kind === 'Backup').map((o) => ({ name: o.name, spec: o.spec as never }));
    const nodes = objects.filter((o) => o.kind === 'Node' && o.name === 'pg1').map((o) => ({ name: o.name, spec: o.spec as never }));
    const status = statusReport({ definitions, nodes, runs: {}, bytesKept: {}, nodeDatabases: asked, oneOffs: [], now: Date.UTC(2026, 0, 1) });
    expect(status.nodes[0]!.databases_without_definition).toEqual(['billing', 'hr']);
    expect(nodeCoverage(objects, objects, asked)[0]!.uncovered).toEqual(['billing', 'hr']);
  });
});
