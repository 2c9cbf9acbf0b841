// The shortcuts of the RPO measures held to their references on random nodes: units gathered from the
// whole-cluster definitions and the lists naming each database (against asking every definition about every
// database), a node passed over by rpoBreaches (against the exact worst case of each of its units), the
// bound a fixed weekly schedule puts on any union holding it, and the brake's look at the actions (against
// the count of lost units it skips).
import { describe, expect, it } from 'vitest';
import { resolveHashedSchedule } from '../../../src/core/cron/expression.js';
import { coverageIndexOf, effectiveRpo, nodeMeetsEveryRpo, nodeUnitsOf, protectedByOf, scopeOf, type UnitRpo } from '../../../src/core/rpo/coverage.js';
import { fixedWeeklyGapMs, scheduleId, scheduleSetKeyOfIds, worstGapMs, worstGapOfSetMs } from '../../../src/core/rpo/worst-gap.js';
import { mayLoseProtection, protectionLost } from '../../../src/core/rpo/uncovered-databases.js';
import { planCatalog } from '../../../src/core/plan/plan-catalog.js';
import { projectObjects } from '../../../src/core/plan/project.js';
import { rpoEffects, touchedNodes } from '../../../src/core/rpo/plan-effects.js';
import { DEFAULT_PLAN_OPTIONS } from '../../../src/core/plan/types.js';
import type { BackupSpec, DesiredObject, NodeSpec } from '../../../src/core/model.js';
import { random } from '../../helpers/random-json.js';
import { actualOf, backup, desiredObject, node, retention } from '../plan/fixtures.js';

const next = random(1414);
const pick = <T,>(values: readonly T[]): T => values[Math.floor(next() * values.length)]!;
const int = (from: number, to: number) => from + Math.floor(next() * (to - from + 1));
const DATABASES = ['orders', 'billing', 'app', 'tmp', 'reporting'];
// UTC weekly schedules (the shortcuts' case), H spread, minute 59, weekdays only, DST zones, 29 February.
const WRITTEN = ['H H(0-5) * * *', 'H H * * *', '59 23 * * *', '0 4 * * 1-5', '30 2 * * 0', '0 2 * * 6,0', '0 0 29 2 *', '0 3 1,15 * *', '*/30 1-3 * * *', '0 */6 * * *'];
const ZONES = ['UTC', 'UTC', 'UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'America/Santiago'];
const RPOS = [undefined, undefined, '26h', '12h', '2d', '8d', '1h'];

function randomDefinition(name: string, nodeName: string): DesiredObject {
  const shape = pick(['list', 'list', 'list', 'all', 'cluster', 'schema', 'physical']);
  const list = () => Array.from({ length: int(1, 3) }, () => pick(DATABASES));
  const schedule = resolveHashedSchedule(pick(WRITTEN), name);
  const extra: Record<string, unknown> = { schedule, resolvedSchedule: schedule, timezone: pick(ZONES), enabled: next() < 0.85 };
  const rpo = pick(RPOS);
  if (rpo !== undefined) extra.rpo = rpo;
  if (shape === 'list') Object.assign(extra, { databases: list() });
  else if (shape === 'all') Object.assign(extra, { databases: 'all', exclude: next() < 0.5 ? [] : [pick(DATABASES)] });
  else if (shape === 'cluster') Object.assign(extra, { type: 'cluster', databases: 'all' });
  else if (shape === 'schema') Object.assign(extra, { type: 'schema', databases: next() < 0.7 ? list() : 'all' });
  else Object.assign(extra, { method: 'basebackup' });
  return backup(name, nodeName, extra);
}

function randomFleet(seed: number): DesiredObject[] {
  const serverRpo = pick(RPOS);
  const server = desiredObject('BackupServer', 'backup01', { host: 'b', backupRoot: '/srv', scheduler: { type: 'cron.d', file: '/etc/cron.d/x', user: 'root' }, timezone: 'UTC', ...(serverRpo ? { rpo: serverRpo } : {}) });
  const objects: DesiredObject[] = [retention('standard'), server];
  for (let n = 0; n < 4; n++) {
    const nodeRpo = pick([undefined, undefined, '20h', '3d']);
    objects.push(node(`pg${seed}-${n}`, 'backup01', { status: next() < 0.85 ? 'running' : 'stopped', ...(nodeRpo ? { rpo: nodeRpo } : {}) }));
    for (let d = 0; d < int(0, 7); d++) objects.push(randomDefinition(`pg${seed}-${n}-def${d}`, `pg${seed}-${n}`));
  }
  return objects;
}

/** The units of a node as the definition reads (coverage.ts): every definition asked about every unit. */
function referenceUnits(objects: readonly DesiredObject[], nodeName: string) {
  const nodeObject = objects.find((o) => o.kind === 'Node' && o.name === nodeName)!;
  const nodeSpec = nodeObject.spec as NodeSpec;
  const serverObject = objects.find((o) => o.kind === 'BackupServer')!;
  const defs = objects.filter((o) => o.kind === 'Backup' && (o.spec as BackupSpec).node === nodeName);
  const scopes = defs.map((d) => scopeOf(d.spec as BackupSpec));
  const protects = defs.map((d, i) => nodeSpec.status === 'running' && (d.spec as BackupSpec).enabled && scopes[i]!.type !== 'schema');
  const rpos = defs.map((d) => effectiveRpo({ name: d.name, spec: d.spec as BackupSpec }, { name: nodeName, spec: nodeSpec }, { name: serverObject.name, spec: serverObject.spec as never }));
  const unitOf = (database: string | null, definition: string | null, covering: number[]) => {
    let rpo: UnitRpo | null = null;
    for (const i of covering) if (rpos[i] && (rpo === null || rpos[i]!.ms < rpo.ms)) rpo = rpos[i]!;
    const ids = covering.filter((i) => protects[i]).map((i) => scheduleId((defs[i]!.spec as BackupSpec).resolvedSchedule, (defs[i]!.spec as BackupSpec).timezone));
    return { database, definition, schedules: scheduleSetKeyOfIds(ids), rpo, protectedBy: covering.filter((i) => protects[i]).map((i) => defs[i]!.name).sort() };
  };
  const units = [];
  const seen = new Set<string>();
  for (let d = 0; d < defs.length; d++) {
    const ds = scopes[d]!;
    if (ds.type === 'cluster' || ds.databases === 'all') {
      const covering = defs.map((_, o) => o).filter((o) => scopes[o]!.type === 'cluster' || (scopes[o]!.databases === 'all' && scopes[o]!.exclude.every((x) => ds.type !== 'cluster' && ds.exclude.includes(x))));
      units.push(unitOf(null, defs[d]!.name, covering));
    } else {
      for (const database of ds.databases) {
        if (seen.has(database)) continue;
        seen.add(database);
        const covering = defs.map((_, o) => o).filter((o) => {
          const os = scopes[o]!;
          return os.type === 'cluster' || (os.databases === 'all' ? !os.exclude.includes(database) : os.databases.includes(database));
        });
        units.push(unitOf(database, null, covering));
      }
    }
  }
  return units;
}

describe('the units of a node', () => {
  it('are those of every definition asked about every database, in the same order, with the same sets and rpo', () => {
    let units = 0;
    for (let seed = 0; seed < 80; seed++) {
      const objects = randomFleet(seed);
      const index = coverageIndexOf(objects);
      for (const nodeName of index.nodes.keys()) {
        const made = nodeUnitsOf(index, nodeName)!;
        const got = made.units.map((u) => ({ database: u.database, definition: u.definition, schedules: u.schedules, rpo: u.rpo, protectedBy: protectedByOf(made, u) }));
        expect({ nodeName, got }).toEqual({ nodeName, got: referenceUnits(objects, nodeName) });
        units += got.length;
      }
    }
    expect(units).toBeGreaterThan(500);
  });
});

describe('a node rpoBreaches passes over', () => {
  it('has no unit whose exact worst case is longer than its rpo', () => {
    let passed = 0;
    let measured = 0;
    for (let seed = 0; seed < 150; seed++) {
      const objects = randomFleet(1000 + seed);
      // Often a daily UTC cluster backup, the case the shortcut is for.
      if (next() < 0.6) {
        const nodeName = pick(objects.filter((o) => o.kind === 'Node')).name;
        const schedule = resolveHashedSchedule(pick(['H H(0-5) * * *', '59 23 * * *', '0 4 * * 1-5']), `whole-${seed}`);
        objects.push(backup(`whole-${seed}`, nodeName, { type: 'cluster', databases: 'all', schedule, resolvedSchedule: schedule }));
      }
      const index = coverageIndexOf(objects);
      const from = Date.UTC(pick([2024, 2025, 2027]), 5, 1);
      for (const [nodeName, definitions] of index.nodes) {
        if (!nodeMeetsEveryRpo(definitions)) continue;
        passed++;
        for (const u of nodeUnitsOf(index, nodeName)!.units) {
          if (u.rpo === null) continue;
          const worst = worstGapOfSetMs(u.schedules, from);
          expect({ nodeName, unit: u.database ?? u.definition, met: worst !== null && worst <= u.rpo.ms }).toEqual({ nodeName, unit: u.database ?? u.definition, met: true });
          measured++;
        }
      }
    }
    expect(passed).toBeGreaterThan(50);
    expect(measured).toBeGreaterThan(100);
  });
});

describe('the bound of a fixed weekly schedule', () => {
  it('is never exceeded by a union holding it, whatever the other schedules and zones (DST gaps and overlaps, H, 29 February)', () => {
    let bounded = 0;
    for (let i = 0; i < 80; i++) {
      const weekly = { schedule: resolveHashedSchedule(pick(['H H * * *', '59 1 * * *', 'H H(1-4) * * 1-5', '0 3 * * 0', '*/20 1-3 * * 6,0']), `weekly-${i}`), timezone: 'UTC' };
      const others = Array.from({ length: int(1, 3) }, (_, k) => ({ schedule: resolveHashedSchedule(pick(WRITTEN), `other-${i}-${k}`), timezone: pick(ZONES) }));
      const bound = fixedWeeklyGapMs(scheduleId(weekly.schedule, weekly.timezone));
      expect(bound).not.toBeNull();
      const from = Date.UTC(pick([2024, 2025, 2026, 2100]), 5, 1);
      const set = [...others, weekly];
      const gap = worstGapMs(set, from);
      expect({ set, from, within: gap !== null && gap <= bound! }).toEqual({ set, from, within: true });
      bounded++;
    }
    expect(bounded).toBe(80);
    // A schedule in a zone that changes its clock, or on some days of the month only, gives no such bound.
    expect(fixedWeeklyGapMs(scheduleId('30 2 * * *', 'Europe/Berlin'))).toBeNull();
    expect(fixedWeeklyGapMs(scheduleId('0 3 1,15 * *', 'UTC'))).toBeNull();
  });
});

/** A random edit of a definition or a node: schedules and options, or what uncovers a database. */
function edit(objects: DesiredObject[]): DesiredObject[] {
  const out = [...objects];
  for (let k = int(1, 4); k > 0; k--) {
    const i = int(0, out.length - 1);
    const o = out[i]!;
    const what = pick(['schedule', 'schedule', 'retention', 'rpo', 'disable', 'enable', 'delete', 'add', 'databases', 'type', 'move', 'stop', 'start', 'deleteNode']);
    const change = (spec: Record<string, unknown>) => { out[i] = desiredObject(o.kind, o.name, { ...(o.spec as Record<string, unknown>), ...spec }); };
    if (o.kind === 'Backup') {
      const spec = o.spec as BackupSpec;
      if (what === 'schedule') change({ schedule: '0 4 * * 1-5', resolvedSchedule: '0 4 * * 1-5' });
      else if (what === 'retention') change({ remarks: 'edited' });
      else if (what === 'rpo') change({ rpo: '1h' });
      else if (what === 'disable') change({ enabled: false });
      else if (what === 'enable') change({ enabled: true });
      else if (what === 'delete') out.splice(i, 1);
      else if (what === 'add') out.push(randomDefinition(`${o.name}-added`, spec.node));
      else if (what === 'databases') change({ databases: [pick(DATABASES)] });
      else if (what === 'type') change({ type: pick(['schema', 'cluster', 'full']) });
      else if (what === 'move') change({ node: pick(out.filter((n) => n.kind === 'Node')).name });
    } else if (o.kind === 'Node') {
      if (what === 'stop') change({ status: 'stopped' });
      else if (what === 'start') change({ status: 'running' });
      else if (what === 'deleteNode') out.splice(i, 1);
    }
  }
  return out;
}

describe('mayLoseProtection', () => {
  it('is false only for plans whose count of lost units is empty, with and without the nodes\' answers', () => {
    let safe = 0;
    let losing = 0;
    for (let seed = 0; seed < 400; seed++) {
      const before = randomFleet(5000 + seed);
      const after = edit(before);
      const actual = actualOf(before);
      const { actions } = planCatalog(after, actual, {}, DEFAULT_PLAN_OPTIONS);
      const projected = projectObjects(actual, actions);
      const touched = touchedNodes(actions);
      const asked = Object.fromEntries([...touched].map((n) => [n, { databases: [...DATABASES, 'postgres'] }]));
      const lost = protectionLost(actual, projected, touched).lost.length + protectionLost(actual, projected, touched, asked).lost.length;
      if (!mayLoseProtection(actions)) {
        expect({ seed, actions: actions.map((a) => `${a.op} ${a.kind}/${a.name}`), lost }).toEqual({ seed, actions: actions.map((a) => `${a.op} ${a.kind}/${a.name}`), lost: 0 });
        safe++;
      } else if (lost > 0) losing++;
    }
    expect(safe).toBeGreaterThan(50);
    expect(losing).toBeGreaterThan(30);
  });
});

describe('the effects of a plan', () => {
  /** rpoEffects as it reads: every unit of each touched node before and after, compared by key. */
  function referenceEffects(before: readonly DesiredObject[], after: ReturnType<typeof projectObjects>, actions: Parameters<typeof touchedNodes>[0], now: number) {
    const was = coverageIndexOf(actualOf(before));
    const will = coverageIndexOf(after);
    const out = [];
    for (const nodeName of touchedNodes(actions)) {
      const old = nodeUnitsOf(was, nodeName);
      if (!old) continue;
      const next = nodeUnitsOf(will, nodeName);
      for (const u of old.units) {
        const n = next?.units.find((v) => v.database === u.database && v.definition === u.definition);
        const beforeMs = worstGapOfSetMs(u.schedules, now);
        const afterMs = n ? worstGapOfSetMs(n.schedules, now) : null;
        if (beforeMs === afterMs) continue;
        const rpo = n?.rpo ?? null;
        out.push({ node: nodeName, database: u.database, definition: u.definition, beforeMs, afterMs, rpo: rpo?.text ?? null, breach: rpo !== null && (afterMs === null || afterMs > rpo.ms) });
      }
    }
    const key = (e: { node: string; database: string | null; definition: string | null }) => `${e.node}\u0000${e.database ?? ''}\u0000${e.definition ?? ''}`;
    return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }

  it('measure only the databases whose schedules change where a node keeps its definitions, with the same lines', () => {
    let lines = 0;
    for (let seed = 0; seed < 100; seed++) {
      const before = randomFleet(9000 + seed);
      const after = edit(before);
      const actual = actualOf(before);
      const { actions } = planCatalog(after, actual, {}, DEFAULT_PLAN_OPTIONS);
      const projected = projectObjects(actual, actions);
      const now = Date.UTC(pick([2024, 2025, 2026]), 5, 1);
      const got = rpoEffects(actual, projected, actions, now);
      expect({ seed, got }).toEqual({ seed, got: referenceEffects(before, projected, actions, now) });
      lines += got.length;
    }
    expect(lines).toBeGreaterThan(25);
  });
});
