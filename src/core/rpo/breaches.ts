// RPO breaches of a configuration, for validate and plan: every unit (coverage.ts) held to an rpo whose worst
// case (worst-gap.ts) is longer, or that nothing scheduled backs up at all. Pure: the window's year comes in.
import { coverageIndexOf, nodeMeetsEveryRpo, nodeUnitsOf, protectedByOf, type RpoObject, type RpoUnit, type UnitRpo } from './coverage.js';
import { formatSpan } from './format-span.js';
import { rpoMeasured } from './bench-switch.js';
import { forgetScheduleIdsIfMany, worstGapBoundOfSetMs, worstGapOfSetMs } from './worst-gap.js';

export interface RpoBreach {
  unit: RpoUnit;
  /** Null: no scheduled definition backs it up. */
  worstCaseMs: number | null;
  rpo: UnitRpo;
  message: string;
}

export function rpoBreaches(objects: readonly RpoObject[], from: number): RpoBreach[] {
  // Nothing to hold the schedules to: skip the computation entirely.
  if (!rpoMeasured() || !objects.some((o) => (o.spec as { rpo?: string }).rpo !== undefined)) return [];
  forgetScheduleIdsIfMany();
  const out: RpoBreach[] = [];
  const index = coverageIndexOf(objects);
  for (const [node, definitions] of index.nodes) {
    // Most nodes of a fleet: one whole-cluster backup alone meets every rpo there (no unit made).
    if (nodeMeetsEveryRpo(definitions)) continue;
    const units = nodeUnitsOf(index, node)!;
    for (const c of units.units) {
      if (c.rpo === null) continue;
      // Met by a bound of the union (its best single schedule) where one exists: no union walked.
      const bound = worstGapBoundOfSetMs(c.schedules);
      if (bound !== null && bound <= c.rpo.ms) continue;
      const worst = worstGapOfSetMs(c.schedules, from);
      if (worst !== null && worst <= c.rpo.ms) continue;
      const unit = { node, database: c.database, definition: c.definition };
      const what = unitLabel(unit);
      const protectedBy = protectedByOf(units, c);
      const message = worst === null
        ? `${what} has no scheduled backup (${protectedBy.length === 0 ? 'no enabled definition on a running node backs it up' : 'its schedules fire less than twice in eight years'}), so rpo ${c.rpo.text} cannot be met`
        : `${what}: worst case ${formatSpan(worst)} between backups (${protectedBy.join(', ')}), longer than rpo ${c.rpo.text}`;
      out.push({ unit, worstCaseMs: worst, rpo: c.rpo, message });
    }
  }
  return out.sort((a, b) => compare(a.message, b.message));
}

/** "database orders of node pg-orders", or "every database of definition nightly-all (node pg-orders)". */
export function unitLabel(u: RpoUnit): string {
  return u.database === null
    ? `every database of definition ${u.definition} (node ${u.node})`
    : `database ${u.database} of node ${u.node}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
