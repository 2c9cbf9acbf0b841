// A plan of more than a few hundred actions is shown in groups of (operation, kind, backup server) with
// counts and the first actions of each; --full lists every action; the JSON always has all of them.
import { describe, expect, it } from 'vitest';
import type { DesiredObject } from '../../../src/core/model.js';
import { makePlan } from '../../../src/core/plan/make-plan.js';
import { DEFAULT_PLAN_OPTIONS, type Plan } from '../../../src/core/plan/types.js';
import { GROUPED_PLAN_THRESHOLD, LISTED_PER_GROUP } from '../../../src/core/render/action-groups.js';
import { planToJson } from '../../../src/core/render/plan-json.js';
import { renderPlanText } from '../../../src/core/render/plan-text.js';
import { plainStyle } from '../../../src/core/render/style.js';
import { actualOf, backup, node, retention, server } from './fixtures.js';

const line = { binary: '/usr/local/bin/pgbackops', stateDir: '/var/lib/pgbackops', user: 'root', server: 'backup01' };

/** Two servers, 4 nodes each, `perNode` definitions per node. */
function twoServerFleet(perNode: number): DesiredObject[] {
  const objects: DesiredObject[] = [retention('standard'), server('backup01'), server('backup02')];
  for (let n = 0; n < 8; n++) {
    const nodeName = `pg${n}`;
    objects.push(node(nodeName, n % 2 === 0 ? 'backup01' : 'backup02'));
    for (let d = 0; d < perNode; d++) objects.push(backup(`${nodeName}-db${String(d).padStart(3, '0')}`, nodeName));
  }
  return objects;
}

function plan(desired: DesiredObject[], actual: DesiredObject[]): Plan {
  return makePlan({ revision: 'r1', objects: desired }, { catalogVersion: 1, objects: actualOf(actual), backupCounts: {} },
    { server: 'backup01', target: 'cron.d file /etc/cron.d/pgbackops', observed: { entries: [], contentHash: '', present: false }, line }, DEFAULT_PLAN_OPTIONS);
}

describe('plan text of a huge plan', () => {
  const desired = twoServerFleet(100); // 800 definitions
  const first = plan(desired, []);

  it('groups by operation, kind and server with counts, listing the first ones of each', () => {
    expect(first.objectActions.length).toBeGreaterThan(GROUPED_PLAN_THRESHOLD);
    const text = renderPlanText(first, plainStyle, { objects: desired });
    expect(text).toContain(`${(first.objectActions.length + first.scheduleActions.length).toLocaleString('en')} actions, in groups`);
    expect(text).toContain('  create 1 Retention:');
    expect(text).toContain('  create 1 BackupServer of backup01:');
    expect(text).toContain('  create 4 Node of backup02:');
    expect(text).toContain('  create 400 Backup of backup01:');
    expect(text).toContain('  create 400 Backup of backup02:');
    expect(text).toContain(`      ... and ${400 - LISTED_PER_GROUP} more`);
    // The schedule of backup01: its 400 entries, the first ones listed.
    expect(text).toContain('  add 400 entries:');
    expect(text.split('\n').filter((l) => /^ {4}\+ pg0-db\d+ /.test(l)).length).toBe(LISTED_PER_GROUP);
    const listed = text.split('\n').filter((l) => /^ {4}\+ Backup /.test(l));
    expect(listed.length).toBe(2 * LISTED_PER_GROUP);
    expect(text.split('\n').length).toBeLessThan(120);
    expect(text).toMatch(/Plan: 811 to create, 0 to update, 0 to delete; schedule: 400 to add/);
  });

  it('places the definitions of unchanged nodes by their server, and blocked deletes apart', () => {
    const moved = desired.filter((o) => !(o.kind === 'Backup' && o.name.startsWith('pg1-'))) // pg1's definitions removed
      .map((o) => (o.kind === 'Backup' && o.name.startsWith('pg0-') ? backup(o.name, 'pg0', { schedule: '5 4 * * *', resolvedSchedule: '5 4 * * *' }) : o));
    const p = makePlan({ revision: 'r2', objects: moved }, { catalogVersion: 2, objects: actualOf(desired), backupCounts: { 'pg1-db000': 3 } },
      { server: null, note: 'catalog only' }, { ...DEFAULT_PLAN_OPTIONS, allowMassDeletion: true } as typeof DEFAULT_PLAN_OPTIONS);
    expect(p.objectActions.length).toBe(200);
    const text = renderPlanText({ ...p, objectActions: [...p.objectActions, ...p.objectActions.map((a) => ({ ...a, name: `${a.name}-x` }))] }, plainStyle, { objects: moved });
    expect(text).toContain('  update 200 Backup of backup01:');
    expect(text).toContain('  delete 198 Backup of backup02:');
    expect(text).toContain('  blocked 2 Backup of backup02:');
  });

  it('--full lists every action, and a small plan is listed as before', () => {
    const full = renderPlanText(first, plainStyle, { full: true, objects: desired });
    expect(full.split('\n').filter((l) => /^ {2}\+ Backup /.test(l)).length).toBe(800);
    expect(full).not.toContain('in groups');
    const small = plan(twoServerFleet(10), []);
    expect(small.objectActions.length + small.scheduleActions.length).toBeLessThanOrEqual(GROUPED_PLAN_THRESHOLD);
    expect(renderPlanText(small, plainStyle)).toBe(renderPlanText(small, plainStyle, { full: true }));
  });

  it('the JSON has every action whatever the size', () => {
    const json = JSON.parse(JSON.stringify(planToJson(first, '0.0.0-test'))) as { plan: Plan };
    expect(json.plan.objectActions.length).toBe(811);
    expect(json.plan.scheduleActions.length).toBe(400);
  });
});
