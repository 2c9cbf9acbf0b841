// Composes the catalog diff and the schedule diff into one Plan. Pure: all inputs are passed in.
import type { DesiredConfig } from '../model.js';
import type { ObservedSchedule } from '../schedule/entry.js';
import type { LineOptions } from '../schedule/render.js';
import { scheduleEntriesOfServer } from '../schedule/server-entries.js';
import { planCatalog } from './plan-catalog.js';
import type { ActualObject } from '../objects.js';
import { entriesExpectedIn, planSchedule } from './plan-schedule.js';
import { projectObjects } from './project.js';
import { rpoEffects, touchedNodes } from '../rpo/plan-effects.js';
import { mayLoseProtection, nodeCoverage, protectionLost, type NodeDatabases } from '../rpo/uncovered-databases.js';
import { uncoveredRefusal } from './uncovered-brake.js';
import { objectsOfNodes } from './node-scope.js';
import { PLAN_FORMAT_VERSION, type Plan, type PlanOptions, type PlanSummary } from './types.js';

export interface ActualState {
  catalogVersion: number;
  objects: readonly ActualObject[];
  backupCounts: Readonly<Record<string, number>>;
}

export interface ScheduleContext {
  server: string;
  target: string;
  observed: ObservedSchedule;
  line: LineOptions;
}

/** The plan of `desired` against `actual` (see makePlanAndProjection for the parameters). */
export function makePlan(...args: Parameters<typeof makePlanAndProjection>): Plan {
  return makePlanAndProjection(...args).plan;
}

/**
 * makePlan, with the catalog as the plan leaves it (projectObjects of its actions), which the plan is made
 * from: a caller that needs it too (the retention preview, apply's definition cache) takes it from here
 * instead of projecting 100,000 objects again.
 */
export function makePlanAndProjection(
  desired: DesiredConfig,
  actual: ActualState,
  schedule: ScheduleContext | { server: null; note: string },
  options: PlanOptions,
  /** The time of the plan: with it, the plan shows what it does to each database's worst case (rpoEffects). */
  now?: number,
  /** What the nodes answered (`plan --check-nodes`): the plan lists their databases without a backup. */
  nodeDatabases?: NodeDatabases,
): { plan: Plan; after: ActualObject[] } {
  const catalog = planCatalog(desired.objects, actual.objects, actual.backupCounts, options);
  let scheduleSection: Plan['schedule'] = null;
  let scheduleActions: Plan['scheduleActions'] = [];
  const after = projectObjects(actual.objects, catalog.actions);
  if (schedule.server !== null) {
    const ctx = schedule as ScheduleContext;
    const entries = scheduleEntriesOfServer(after, ctx.server, ctx.line);
    const before = entriesExpectedIn(ctx.observed, scheduleEntriesOfServer(actual.objects, ctx.server, ctx.line));
    scheduleActions = planSchedule(entries, ctx.observed.entries, before);
    scheduleSection = { target: ctx.target, contentHash: ctx.observed.contentHash, entries, problems: ctx.observed.problems ?? [] };
  }
  const plan: Plan = {
    formatVersion: PLAN_FORMAT_VERSION,
    revision: desired.revision,
    catalogVersion: actual.catalogVersion,
    server: schedule.server,
    schedule: scheduleSection,
    objectActions: catalog.actions,
    scheduleActions,
    options,
    summary: summarise(catalog.actions, scheduleActions),
  };
  if (schedule.server === null) plan.serverNote = (schedule as { note: string }).note;
  const touched = touchedNodes(catalog.actions);
  // Only the touched nodes' objects: what the plan does to them is the same measured on these alone.
  const touchedBefore = objectsOfNodes(actual.objects, touched);
  const touchedAfter = objectsOfNodes(after, touched);
  if (catalog.refusal) plan.refusal = catalog.refusal;
  // No action that can uncover a database (mayLoseProtection): no loss to count, the brake cannot trip.
  else if (mayLoseProtection(catalog.actions) && protectionLost(touchedBefore, touchedAfter, touched, nodeDatabases).lost.length > 0) {
    // Counted where a node answered by its databases, else by what the configuration names. Only a loss needs
    // the whole fleet (the share is of every unit backed up before): without one, the brake cannot trip.
    const refusal = uncoveredRefusal(protectionLost(actual.objects, after, touched, nodeDatabases), options);
    if (refusal) plan.refusal = refusal;
  }
  if (nodeDatabases) plan.nodeCoverage = nodeCoverage(actual.objects, after, nodeDatabases);
  if (now !== undefined) {
    const effects = rpoEffects(touchedBefore, touchedAfter, catalog.actions, now);
    if (effects.length > 0) plan.rpoEffects = effects;
  }
  return { plan, after };
}

function summarise(objects: Plan['objectActions'], schedule: Plan['scheduleActions']): PlanSummary {
  const s: PlanSummary = { create: 0, update: 0, delete: 0, blocked: 0, scheduleAdd: 0, scheduleChange: 0, scheduleRemove: 0, drift: 0 };
  for (const a of objects) {
    if (a.blocked) s.blocked++;
    else s[a.op]++;
  }
  for (const a of schedule) {
    if (a.op === 'add') s.scheduleAdd++;
    else if (a.op === 'change') s.scheduleChange++;
    else s.scheduleRemove++;
    if (a.drift) s.drift++;
  }
  return s;
}
