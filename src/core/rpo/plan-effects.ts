// What a plan does to the worst case of each database it touches: "orders: worst case 25 h → 49 h",
// "billing: no backup after this apply". Only nodes an action touches are measured (a node's definitions,
// or the node itself), before (the catalog) and after (the catalog as the plan leaves it).
import type { ObjectAction } from '../plan/types.js';
import { coverageIndexOf, nodeUnitsOf, sameScope, scopeOf, unitsOfDatabases, type CoveredUnit, type NodeDefinitions, type RpoObject } from './coverage.js';
import { forgetScheduleIdsIfMany, worstGapOfSetMs } from './worst-gap.js';
import { rpoMeasured } from './bench-switch.js';

export interface RpoEffect {
  node: string;
  /** Null: every database of `definition` (databases: all, or a cluster dump). */
  database: string | null;
  definition: string | null;
  /** Worst case in ms before and after; null: no scheduled backup. */
  beforeMs: number | null;
  afterMs: number | null;
  /** The rpo it is held to after the plan, when one is set. */
  rpo: string | null;
  /** The worst case after the plan is longer than the rpo (or there is no backup at all while one is set). */
  breach: boolean;
}

export function rpoEffects(before: readonly RpoObject[], after: readonly RpoObject[], actions: readonly ObjectAction[], now: number): RpoEffect[] {
  const nodes = touchedNodes(actions);
  if (nodes.size === 0 || !rpoMeasured()) return [];
  forgetScheduleIdsIfMany();
  const was = coverageIndexOf(before);
  const will = coverageIndexOf(after);
  const out: RpoEffect[] = [];
  for (const node of nodes) {
    // Units that exist before: a new definition's databases have no "before" to compare with.
    const before = was.nodes.get(node);
    if (!before) continue;
    const after = will.nodes.get(node);
    const changed = after ? databasesWithNewSchedules(before, after) : null;
    if (changed?.size === 0) continue;
    const old = changed ? unitsOfDatabases(before, changed) : nodeUnitsOf(was, node)!;
    const next = changed ? unitsOfDatabases(after!, changed) : nodeUnitsOf(will, node);
    let nextUnits: Map<string, CoveredUnit> | null = null;
    for (let i = 0; i < old.units.length; i++) {
      const u = old.units[i]!;
      // Usually at the same place after the plan (the node's definitions keep their order); else looked up.
      let n = next?.units[i];
      if (!n || n.database !== u.database || n.definition !== u.definition) {
        if (next && !nextUnits) {
          nextUnits = new Map();
          for (const v of next.units) nextUnits.set(v.database ?? `\u0000${v.definition}`, v);
        }
        n = nextUnits?.get(u.database ?? `\u0000${u.definition}`);
      }
      // The same schedules have the same worst case: most units of a touched node keep theirs (not computed).
      if (n && n.schedules === u.schedules) continue;
      const beforeMs = worstGapOfSetMs(u.schedules, now);
      const afterMs = n ? worstGapOfSetMs(n.schedules, now) : null;
      if (beforeMs === afterMs) continue;
      const rpo = n?.rpo ?? null;
      out.push({
        node, database: u.database, definition: u.definition, beforeMs, afterMs, rpo: rpo?.text ?? null,
        breach: rpo !== null && (afterMs === null || afterMs > rpo.ms),
      });
    }
  }
  return out.sort((a, b) => compare(a.node, b.node) || compare(a.database ?? '', b.database ?? '') || compare(a.definition ?? '', b.definition ?? ''));
}

/**
 * Where a node keeps its definitions (same names in the same order, each backing up the same databases) and
 * its status, only the units covered by a definition whose schedule runs differently (another schedule or
 * time zone, enabled or disabled) can change their worst case: the databases those definitions list. Null when
 * every unit must be compared: the definitions or the node's status changed, or such a definition backs up
 * every database. Empty: nothing to measure on the node (e.g. only retention, options or rpo changed).
 */
function databasesWithNewSchedules(before: NodeDefinitions, after: NodeDefinitions): Set<string> | null {
  const running = before.nodeSpec?.status === 'running';
  if (running !== (after.nodeSpec?.status === 'running') || before.names.length !== after.names.length) return null;
  const databases = new Set<string>();
  for (let i = 0; i < before.specs.length; i++) {
    const was = before.specs[i]!;
    const will = after.specs[i]!;
    if (before.names[i] !== after.names[i]) return null;
    if (was === will) continue;
    const scope = scopeOf(was);
    if (!sameScope(scope, scopeOf(will))) return null;
    // As coverage.ts reads it: a definition protects when enabled on a running node and not structure only.
    const protects = running && scope.type !== 'schema';
    const runsBefore = protects && was.enabled;
    const runsAfter = protects && will.enabled;
    if (runsBefore === runsAfter && (!runsBefore || (was.resolvedSchedule === will.resolvedSchedule && was.timezone === will.timezone))) continue;
    if (scope.type === 'cluster' || scope.databases === 'all') return null;
    for (const database of scope.databases) databases.add(database);
  }
  return databases;
}

/** Nodes whose definitions' coverage an action can change. */
export function touchedNodes(actions: readonly ObjectAction[]): Set<string> {
  // A server's changes reach its definitions as their own updates (the time zone is part of a Backup's spec).
  const nodes = new Set<string>();
  for (const a of actions) {
    if (a.blocked) continue;
    if (a.kind === 'Backup') {
      for (const spec of [a.before, a.after]) if (spec) nodes.add(spec.node);
    } else if (a.kind === 'Node') nodes.add(a.name);
  }
  return nodes;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
