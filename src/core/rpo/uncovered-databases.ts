// Databases that no scheduled definition backs up, and the ones a plan leaves without a backup
// (docs/monitoring.md, "Coverage"). What a node holds is only known when it is asked (`status`,
// `plan --check-nodes`); without its answer the units are what the configuration names (coverage.ts): each
// database of a `databases: [..]` list, and "every database" of a `databases: all` or cluster definition.
// Pure: the nodes' answers come in.
import type { BackupSpec, NodeSpec } from '../model.js';
import type { ObjectAction } from '../plan/types.js';
import { rpoMeasured } from './bench-switch.js';
import { backsUp, backsUpEveryDatabase, backsUpEveryDatabaseOf, coverageIndexOf, sameScope, scopeOf, type NodeDefinitions, type RpoObject, type RpoUnit } from './coverage.js';

/** What each asked node answered: its databases, or why it could not be asked. */
export type NodeDatabases = Readonly<Record<string, { databases: string[] } | { error: string }>>;

export interface NodeCoverage {
  node: string;
  reachable: boolean;
  /** Why the node could not be asked (null when it answered). */
  error: string | null;
  /** Its databases that no scheduled definition backs up once the plan is applied. */
  uncovered: string[];
  /** Of `uncovered`, those a scheduled definition backs up now: the plan leaves them without a backup. */
  leftUncovered: string[];
}

export interface ProtectionLoss {
  /** Units (databases, or "every database" of a definition where the node was not asked) backed up before. */
  protectedBefore: number;
  /** Those no scheduled definition backs up after the plan. */
  lost: RpoUnit[];
}

interface NamedBackup {
  name: string;
  spec: BackupSpec;
}

/** Per node, the enabled definitions of a running node: the ones whose schedule runs. */
export function scheduledBackupsByNode(objects: readonly RpoObject[]): Map<string, NamedBackup[]> {
  const running = new Set<string>();
  for (const o of objects) if (o.kind === 'Node' && (o.spec as NodeSpec).status === 'running') running.add(o.name);
  const out = new Map<string, NamedBackup[]>();
  for (const o of objects) {
    if (o.kind !== 'Backup') continue;
    const spec = o.spec as BackupSpec;
    if (!spec.enabled || !running.has(spec.node)) continue;
    let list = out.get(spec.node);
    if (!list) out.set(spec.node, (list = []));
    list.push({ name: o.name, spec });
  }
  return out;
}

/** The databases of `databases` that none of `backups` backs up, sorted. */
export function databasesWithoutBackup(databases: readonly string[], backups: readonly NamedBackup[]): string[] {
  return databases.filter((db) => !backups.some((b) => backsUp(b.spec, db))).sort(compare);
}

/**
 * The nodes `plan --check-nodes` asks: those running before or after the plan (a node the plan stops or
 * removes leaves its databases behind), with the spec it will have (else the one it had).
 */
export function nodesToAsk(before: readonly RpoObject[], after: readonly RpoObject[]): Array<{ name: string; spec: NodeSpec }> {
  const out = new Map<string, { name: string; spec: NodeSpec; running: boolean }>();
  for (const objects of [before, after]) {
    for (const o of objects) {
      if (o.kind !== 'Node') continue;
      const spec = o.spec as NodeSpec;
      const running = (out.get(o.name)?.running ?? false) || spec.status === 'running';
      out.set(o.name, { name: o.name, spec, running });
    }
  }
  return [...out.values()].filter((n) => n.running).map(({ name, spec }) => ({ name, spec })).sort((a, b) => compare(a.name, b.name));
}

/** What the asked nodes hold that no scheduled definition backs up after the plan, and what the plan uncovers. */
export function nodeCoverage(before: readonly RpoObject[], after: readonly RpoObject[], asked: NodeDatabases): NodeCoverage[] {
  const was = scheduledBackupsByNode(before);
  const will = scheduledBackupsByNode(after);
  return Object.keys(asked).sort(compare).map((node): NodeCoverage => {
    const answer = asked[node]!;
    if ('error' in answer) return { node, reachable: false, error: answer.error, uncovered: [], leftUncovered: [] };
    const uncovered = databasesWithoutBackup(answer.databases, will.get(node) ?? []);
    const uncoveredBefore = new Set(databasesWithoutBackup(answer.databases, was.get(node) ?? []));
    return { node, reachable: true, error: null, uncovered, leftUncovered: uncovered.filter((db) => !uncoveredBefore.has(db)) };
  });
}

/**
 * What the mass-delete brake counts besides deletes: the units backed up before the plan that nothing
 * backs up after it. Only `touched` nodes can lose one (their definitions or themselves change); every
 * node counts in `protectedBefore`. Where a node answered, its databases are the units.
 */
export function protectionLost(before: readonly RpoObject[], after: readonly RpoObject[], touched: ReadonlySet<string>, asked: NodeDatabases = {}): ProtectionLoss {
  if (!rpoMeasured()) return { protectedBefore: 0, lost: [] };
  // The plan's effects group the same arrays by node (coverage.ts remembers the grouping per array).
  const was = coverageIndexOf(before);
  const will = coverageIndexOf(after);
  let protectedBefore = 0;
  const lost: RpoUnit[] = [];
  for (const [node, definitions] of was.nodes) {
    const answer = asked[node];
    if (!(answer && 'databases' in answer) && (!touched.has(node) || keepsProtection(definitions, will.nodes.get(node)))) {
      // Most nodes of a fleet's plan: only counted, without building their units.
      protectedBefore += configuredUnitCount(definitions);
      continue;
    }
    const backups = scheduledOn(definitions);
    if (backups.length === 0) continue;
    const remaining = scheduledOn(will.nodes.get(node));
    if (answer && 'databases' in answer) {
      const covered = answer.databases.filter((db) => backups.some((b) => backsUp(b.spec, db)));
      protectedBefore += covered.length;
      if (touched.has(node)) {
        const stillCovered = new Set(covered.filter((db) => remaining.some((b) => backsUp(b.spec, db))));
        for (const db of covered) if (!stillCovered.has(db)) lost.push({ node, database: db, definition: null });
      }
      continue;
    }
    const units = configuredUnits(node, backups);
    protectedBefore += units.length;
    for (const u of units) {
      const kept = u.every ? backsUpEveryDatabaseOf(remaining.map((b) => b.spec), u.every) : remaining.some((b) => backsUp(b.spec, u.unit.database!));
      if (!kept) lost.push(u.unit);
    }
  }
  lost.sort((a, b) => compare(a.node, b.node) || compare(a.database ?? '', b.database ?? '') || compare(a.definition ?? '', b.definition ?? ''));
  return { protectedBefore, lost };
}

/**
 * Whether any of a plan's actions can leave a unit without a backup, i.e. whether protectionLost can find a
 * loss: only deleting, disabling or moving a definition that is enabled, narrowing what it backs up, and
 * stopping or removing a running node can. Every other change (schedules, retention, options, rpo, new
 * definitions and nodes) keeps each scheduled definition scheduled on its running node with the same scope,
 * which is what keepsProtection accepts, so the brake's count of lost units is then empty. Blocked actions
 * are counted too (a superset of what the plan applies). A plan that changes schedules across the fleet
 * then pays one look per action instead of grouping the touched nodes before and after.
 */
export function mayLoseProtection(actions: readonly ObjectAction[]): boolean {
  for (const a of actions) {
    if (a.op === 'create') continue;
    if (a.kind === 'Node') {
      if (a.before.status === 'running' && (a.op === 'delete' || a.after.status !== 'running')) return true;
    } else if (a.kind === 'Backup') {
      // A disabled definition backed nothing up before the plan.
      if (!a.before.enabled) continue;
      if (a.op === 'delete' || !a.after.enabled || a.after.node !== a.before.node) return true;
      if (a.after !== a.before && !sameScope(scopeOf(a.before), scopeOf(a.after))) return true;
    }
  }
  return false;
}

/** The enabled definitions of a node if it is running: the ones whose schedule runs. */
function scheduledOn(definitions: NodeDefinitions | undefined): NamedBackup[] {
  if (definitions?.nodeSpec?.status !== 'running') return [];
  const out: NamedBackup[] = [];
  for (let i = 0; i < definitions.specs.length; i++) if (definitions.specs[i]!.enabled) out.push({ name: definitions.names[i]!, spec: definitions.specs[i]! });
  return out;
}

/**
 * Whether every definition scheduled on a node before is still scheduled after, in the same order, backing up
 * the same databases (a plan that changes schedules, retention or options): then it loses no unit.
 */
function keepsProtection(before: NodeDefinitions, after: NodeDefinitions | undefined): boolean {
  if (!after || before.nodeSpec?.status !== 'running' || after.nodeSpec?.status !== 'running') return false;
  if (before.specs.length !== after.specs.length) return false;
  for (let i = 0; i < before.specs.length; i++) {
    const was = before.specs[i]!;
    if (!was.enabled) continue;
    const will = after.specs[i]!;
    if (before.names[i] !== after.names[i] || !will.enabled) return false;
    if (was !== will && !sameScope(scopeOf(was), scopeOf(will))) return false;
  }
  return true;
}

/** How many units configuredUnits finds on a node (0 when it is not running), without making them. */
function configuredUnitCount(definitions: NodeDefinitions): number {
  if (definitions.nodeSpec?.status !== 'running') return 0;
  let named: Set<string> | null = null;
  let every: Set<string> | null = null;
  for (const spec of definitions.specs) {
    if (!spec.enabled) continue;
    const scope = scopeOf(spec);
    if (scope.type === 'schema') continue;
    if (backsUpEveryDatabase(spec)) (every ??= new Set()).add(exclusionKey(scope));
    else if (scope.databases !== 'all') for (const db of scope.databases) (named ??= new Set()).add(db);
  }
  return (named?.size ?? 0) + (every?.size ?? 0);
}

/** What an "every database" definition leaves out, as a key: two with the same key back up the same databases. */
function exclusionKey(scope: ReturnType<typeof scopeOf>): string {
  if (scope.type === 'cluster' || scope.exclude.length === 0) return '';
  return scope.exclude.length === 1 ? scope.exclude[0]! : [...scope.exclude].sort().join('\u0000');
}

/**
 * The units the configuration names on a node, each once: the databases its lists name, and one "every
 * database" per distinct set of exclusions (two `databases: all` definitions back up the same databases).
 */
function configuredUnits(node: string, backups: readonly NamedBackup[]): Array<{ unit: RpoUnit; every?: BackupSpec }> {
  const named = new Set<string>();
  const every = new Map<string, { unit: RpoUnit; every: BackupSpec }>();
  for (const { name, spec } of backups) {
    const scope = scopeOf(spec);
    if (scope.type === 'schema') continue;
    if (backsUpEveryDatabase(spec)) {
      // Same scope, same unit: keyed by what it leaves out (a cluster backup leaves out nothing).
      const key = exclusionKey(scope);
      if (!every.has(key)) every.set(key, { unit: { node, database: null, definition: name }, every: spec });
    } else if (scope.databases !== 'all') {
      for (const db of scope.databases) named.add(db);
    }
  }
  return [...[...named].sort(compare).map((database) => ({ unit: { node, database, definition: null } })), ...every.values()];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
