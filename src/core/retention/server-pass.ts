// What one retention pass over a backup server's runs decides, group by group (a group is one definition and
// database): the policy that applies to it (the definition's current one, the one its newest run recorded when
// the definition is gone, a Snapshot's fixed age), or why the group is left alone. Pure: the prune job
// (src/jobs/prune.ts) expires what this decides, and the plan's retention preview (src/engine/plan-state.ts)
// shows it, so the two can never disagree.
import { isBackupMethod, methodRulesOf } from '../methods/registry.js';
import type { BackupDependency } from '../methods/retention-dependencies.js';
import type { BackupMethodName, RetentionSpec } from '../model.js';
import { retentionOf, specMap, specsOfKind, type ActualObject } from '../objects.js';
import type { GroupSelection } from './decision-list.js';
import { selectForcedRemoval } from './force.js';
import { keepDependencies } from './keep-dependencies.js';
import { retentionCannotJudge } from './method-guard.js';
import type { RunColumns } from './run-columns.js';
import { selectRetention } from './select.js';
import type { RetentionSelection } from './verdicts.js';

/** All runs of one definition and database: what a retention pass decides on. */
export interface RetentionGroup {
  definition: string;
  database: string | null;
  runs: RunColumns;
  /** Retention and timezone of the group's newest run that recorded them (for removed definitions). */
  lastRetention: RetentionSpec | null;
  lastTimezone: string | null;
  /** Methods of its runs other than `logical` (none in a catalog of pg_dump backups). */
  otherMethods: string[];
}

/** The retention (null: none) and timezone of each Backup in the catalog, by name. */
export type RetentionPolicies = ReadonlyMap<string, { retention: RetentionSpec | null; timezone: string }>;

export interface ServerPass {
  /** What retention decided, per definition and database, in compact form (see decisionsOf). */
  groups: GroupSelection[];
  /** Runs retention expires. */
  expiring: number;
  /** Runs in the groups judged (the groups left alone are not counted). */
  total: number;
  /** Groups left alone, and why. */
  warnings: string[];
  /** Methods other than `logical` whose runs the groups hold (judged or not). */
  methods: string[];
}

const REMOVED_NOTE = 'definition removed from the configuration: last retention applies';

/** The current policy of every Backup among the catalog objects (a named Retention resolved). */
export function currentPolicies(objects: readonly ActualObject[]): RetentionPolicies {
  const retentions = specMap(objects, 'Retention');
  return new Map(specsOfKind(objects, 'Backup').map(({ name, spec }) => [name, { retention: retentionOf(spec, retentions), timezone: spec.timezone }]));
}

/**
 * Decides every group. `forceRemoved` also expires every run of definitions no longer in the catalog
 * (PgBackMan's force deletion); a Snapshot's runs are never force-removed: removing the Snapshot object does
 * not shorten its backups' keepFor.
 */
export function judgeServerRuns(groups: Iterable<RetentionGroup>, policies: RetentionPolicies, options: { forceRemoved: boolean; now: number }): ServerPass {
  const judged: GroupSelection[] = [];
  const warnings: string[] = [];
  let total = 0;
  let expiring = 0;
  const methods = new Set<string>();
  for (const group of groups) {
    for (const m of group.otherMethods) methods.add(m);
    const label = `${group.definition}/${group.database ?? '(cluster)'}`;
    const cannot = retentionCannotJudge(group.otherMethods);
    if (cannot !== null) {
      warnings.push(`${label}: ${cannot}; keeping its ${group.runs.count} run(s)`);
      continue;
    }
    const current = policies.get(group.definition);
    const snapshot = !current && group.lastRetention?.expireAfter !== undefined;
    const removed = !current && !snapshot;
    const retention = current?.retention ?? group.lastRetention;
    let selection: RetentionSelection;
    if (removed && options.forceRemoved) selection = selectForcedRemoval(group.runs);
    else if (retention) selection = selectRetention(group.runs, retention, current?.timezone ?? group.lastTimezone ?? 'UTC', options.now);
    else {
      warnings.push(`${label}: no retention known for a removed definition; keeping its ${group.runs.count} run(s) (use --force to remove them)`);
      continue;
    }
    judged.push({ definition: group.definition, database: group.database, selection, note: removed && !options.forceRemoved ? REMOVED_NOTE : null });
    total += group.runs.count;
    expiring += selection.expiring;
  }
  return { groups: judged, expiring, total, warnings, methods: [...methods] };
}

/** Of the methods a pass met, those whose backups form chains (pgBackRest): their runs' facts must be read. */
export function chainedMethodsOf(pass: ServerPass): BackupMethodName[] {
  return pass.methods.filter((m): m is BackupMethodName => isBackupMethod(m) && methodRulesOf(m).retention.kind === 'chained');
}

/**
 * The second half of a pass over chained methods: a backup a kept backup was taken against stays, across
 * groups, from the facts each run recorded (`runs` holds the runs of `chainedMethodsOf(pass)`).
 */
export function keepChainedBackups(pass: ServerPass, runs: ReadonlyArray<{ id: string; method: string; facts: unknown }>): ServerPass {
  const dependencies: BackupDependency[] = [];
  for (const method of chainedMethodsOf(pass)) {
    const rules = methodRulesOf(method).retention;
    if (rules.kind === 'chained') dependencies.push(...rules.dependencies(runs.filter((r) => r.method === method)));
  }
  if (dependencies.length === 0) return pass;
  const groups = keepDependencies(pass.groups, dependencies);
  return { ...pass, groups, expiring: groups.reduce((n, g) => n + g.selection.expiring, 0) };
}
