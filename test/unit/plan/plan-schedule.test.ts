import { describe, expect, it } from 'vitest';
import { planSchedule } from '../../../src/core/plan/plan-schedule.js';
import { makePlan } from '../../../src/core/plan/make-plan.js';
import { DEFAULT_PLAN_OPTIONS } from '../../../src/core/plan/types.js';
import { buildEntry } from '../../../src/core/schedule/render.js';
import type { ObservedEntry, ScheduleEntry } from '../../../src/core/schedule/entry.js';
import { actualOf, backup, fleet, node } from './fixtures.js';

const line = { binary: '/usr/local/bin/pgbackops', stateDir: '/var/lib/pgbackops', user: 'root' };
const entry = (name: string, schedule = '41 1 * * *') => buildEntry({ name, schedule, timezone: 'UTC' }, line);
const seen = (e: ScheduleEntry, edited = false): ObservedEntry => ({ ...e, edited, raw: `${e.schedule} ...` });

describe('planSchedule', () => {
  it('adds new entries, changes changed ones, removes dropped ones: not drift when the catalog explains it', () => {
    const before = [entry('a'), entry('b'), entry('c')];
    const wanted = [entry('a'), entry('b', '5 4 * * *'), entry('d')];
    const actions = planSchedule(wanted, before.map((e) => seen(e)), before);
    expect(actions.map((a) => `${a.op} ${a.name} ${a.drift}`)).toEqual(['change b false', 'remove c false', 'add d false']);
  });

  it('is empty when the target holds exactly the wanted entries', () => {
    const wanted = [entry('a'), entry('b')];
    expect(planSchedule(wanted, wanted.map((e) => seen(e)), wanted)).toEqual([]);
  });

  it('reports hand edits, missing lines, copies and unknown managed lines as drift', () => {
    const wanted = [entry('a'), entry('b'), entry('c')];
    const observed = [seen(entry('a'), true), seen(entry('c')), seen(entry('c')), seen(entry('zz'))];
    const actions = planSchedule(wanted, observed, wanted);
    expect(actions.map((a) => `${a.op} ${a.name} ${a.drift} ${a.reason}`)).toEqual([
      'change a true line edited by hand; restoring it',
      'add b true line missing from the schedule; restoring it',
      'remove c true duplicate managed line',
      'remove zz true managed line without a scheduled definition',
    ]);
  });
});

describe('makePlan', () => {
  it('keeps a definition whose delete is blocked on the schedule', () => {
    const before = [...fleet(4), backup('gone', 'pg1')];
    const after = fleet(4);
    const observed = { entries: ['def-000', 'def-001', 'def-002', 'def-003', 'gone'].map((n) => seen(entry(n))), contentHash: 'x', present: true };
    const plan = makePlan({ revision: 'r1', objects: after }, { catalogVersion: 3, objects: actualOf(before), backupCounts: { gone: 2 } },
      { server: 'backup01', target: 'test', observed, line }, DEFAULT_PLAN_OPTIONS);
    expect(plan.objectActions.map((a) => [a.name, Boolean(a.blocked)])).toEqual([['gone', true]]);
    expect(plan.scheduleActions).toEqual([]);
    expect(plan.summary).toMatchObject({ blocked: 1, delete: 0 });
  });

  it('writing a schedule that does not exist yet is no drift, though the catalog already holds its entries', () => {
    const objects = fleet(2);
    const absent = { entries: [], contentHash: 'x', present: false };
    const plan = makePlan({ revision: 'r1', objects }, { catalogVersion: 1, objects: actualOf(objects), backupCounts: {} },
      { server: 'backup01', target: 'test', observed: absent, line }, DEFAULT_PLAN_OPTIONS);
    expect(plan.scheduleActions.map((a) => `${a.op} ${a.name} ${a.drift}`)).toEqual(['add def-000 false', 'add def-001 false']);
    expect(plan.summary.drift).toBe(0);
    // The same lines missing from a schedule that exists were removed by hand: drift.
    const emptied = { ...absent, present: true };
    const again = makePlan({ revision: 'r1', objects }, { catalogVersion: 1, objects: actualOf(objects), backupCounts: {} },
      { server: 'backup01', target: 'test', observed: emptied, line }, DEFAULT_PLAN_OPTIONS);
    expect(again.summary.drift).toBe(2);
  });

  it('a stopped node takes its definitions off the schedule', () => {
    const before = fleet(2);
    const after = before.map((o) => (o.kind === 'Node' ? node('pg1', 'backup01', { status: 'stopped' }) : o));
    const observed = { entries: ['def-000', 'def-001'].map((n) => seen(entry(n))), contentHash: 'x', present: true };
    const plan = makePlan({ revision: 'r2', objects: after }, { catalogVersion: 1, objects: actualOf(before), backupCounts: {} },
      { server: 'backup01', target: 'test', observed, line }, DEFAULT_PLAN_OPTIONS);
    expect(plan.scheduleActions.map((a) => `${a.op} ${a.name} ${a.drift}`)).toEqual(['remove def-000 false', 'remove def-001 false']);
    expect(plan.schedule?.entries).toEqual([]);
  });
});
