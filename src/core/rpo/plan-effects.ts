// What a plan does to the worst case of each database it touches: "orders: worst case 25 h → 49 h",
// "billing: no backup after this apply". Only nodes an action touches are measured (a node's definitions,
// or the node itself), before (the catalog) and after (the catalog as the plan leaves it).
import type { ObjectAction } from '../plan/types.js';
import { coverageOf, unitKey, type RpoObject, type RpoUnit, type UnitCoverage } from './coverage.js';
import { scheduleSetKey, worstGapMs, type ZonedSchedule } from './worst-gap.js';

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
  if (nodes.size === 0) return [];
  const was = new Map(coverageOf(before, nodes).map((c) => [unitKey(c.unit), c]));
  const will = new Map(coverageOf(after, nodes).map((c) => [unitKey(c.unit), c]));
  const out: RpoEffect[] = [];
  // Units that exist before: a new definition's databases have no "before" to compare with.
  for (const [key, old] of was) {
    const next: UnitCoverage | undefined = will.get(key);
    // The same schedules have the same worst case: most units of a touched node keep theirs (not computed).
    if (next && sameSchedules(old.schedules, next.schedules)) continue;
    const beforeMs = worstGapMs(old.schedules, now);
    const afterMs = next ? worstGapMs(next.schedules, now) : null;
    if (beforeMs === afterMs) continue;
    const rpo = next?.rpo ?? null;
    out.push({
      ...unitFields(old.unit), beforeMs, afterMs, rpo: rpo?.text ?? null,
      breach: rpo !== null && (afterMs === null || afterMs > rpo.ms),
    });
  }
  return out.sort((a, b) => compare(a.node, b.node) || compare(a.database ?? '', b.database ?? '') || compare(a.definition ?? '', b.definition ?? ''));
}

function sameSchedules(a: readonly ZonedSchedule[], b: readonly ZonedSchedule[]): boolean {
  if (a.length !== b.length) return false;
  // Coverage lists a unit's schedules in its definitions' order, before and after alike: an unchanged unit
  // (most of every touched node) compares element by element, without building its set's key twice.
  let inOrder = true;
  for (let i = 0; i < a.length && inOrder; i++) inOrder = a[i]!.schedule === b[i]!.schedule && a[i]!.timezone === b[i]!.timezone;
  return inOrder || scheduleSetKey(a) === scheduleSetKey(b);
}

function unitFields(u: RpoUnit): Pick<RpoEffect, 'node' | 'database' | 'definition'> {
  return { node: u.node, database: u.database, definition: u.definition };
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
