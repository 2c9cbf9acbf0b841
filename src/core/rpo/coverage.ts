// Which scheduled backup definitions protect which database, and the RPO each database is held to. The
// units are what the configuration can name: a database listed in `databases: [..]` on its node, and, for
// `databases: all` and cluster dumps, "every database" of that definition (which databases those are is
// only known when the node is asked, so the plan works per definition there).
//
// A definition protects a database when it is scheduled (enabled, its node running) and its dumps can bring
// the database's data back: every type except `schema` (structure only) counts.
import { isLogicalSpec, methodOf, type BackupServerSpec, type BackupSpec, type Kind, type LogicalOptions, type NodeSpec } from '../model.js';
import { methodRulesOf } from '../methods/registry.js';
import { parseDuration, approximateMilliseconds } from '../time/duration.js';
import { fixedWeeklyGapMs, scheduleId, scheduleSetKeyOfIds } from './worst-gap.js';
import type { TypedObject } from '../objects.js';

/** A configuration or catalog object (the coverage of a plan is computed on both). */
export type RpoObject = TypedObject;

export interface RpoUnit {
  node: string;
  /** A database named in a list; null for every database of `definition` (databases: all, or a cluster dump). */
  database: string | null;
  definition: string | null;
}

/** The tightest rpo a unit is held to, and where it is written. */
export interface UnitRpo {
  ms: number;
  text: string;
  kind: Kind;
  name: string;
}

/** A unit of a node and what covers it (NodeUnits holds the definitions its indices name). */
export interface CoveredUnit {
  database: string | null;
  definition: string | null;
  /**
   * The set of schedules of the definitions whose runs protect it now (scheduled, and restorable), as
   * worst-gap.ts keys it (scheduleSetKeyOfIds: "" for none): two units with the same key have the same worst case.
   */
  schedules: string;
  /** The tightest rpo of the definitions that name it, and where it is written; null when none says one. */
  rpo: UnitRpo | null;
  /** Its covering definitions: NodeUnits.covering from `from` to `to` (exclusive). */
  from: number;
  to: number;
}

/** The units of one node's Backups (kept lean: a fleet's plan measures tens of thousands). */
export interface NodeUnits {
  node: string;
  units: CoveredUnit[];
  /** The definitions' names, in the order of the node's Backups. */
  names: string[];
  /** Whether each definition's runs protect what it covers (enabled, its node running, not `type: schema`). */
  protects: boolean[];
  /** Indices of definitions, per unit (CoveredUnit.from/to). */
  covering: number[];
}

/** The definitions whose runs protect a unit now, sorted by name. */
export function protectedByOf(node: NodeUnits, unit: CoveredUnit): string[] {
  const out: string[] = [];
  for (let i = unit.from; i < unit.to; i++) if (node.protects[node.covering[i]!]) out.push(node.names[node.covering[i]!]!);
  return out.sort();
}

/** A definition's rpo: its own, else its node's, else its server's; months count as 30 days. */
export function effectiveRpo(
  backup: { name: string; spec: Pick<BackupSpec, 'rpo'> },
  node: { name: string; spec: NodeSpec } | undefined,
  server: { name: string; spec: BackupServerSpec } | undefined,
): UnitRpo | null {
  const [text, kind, name] = backup.spec.rpo !== undefined ? [backup.spec.rpo, 'Backup' as const, backup.name]
    : node?.spec.rpo !== undefined ? [node.spec.rpo, 'Node' as const, node.name]
    : server?.spec.rpo !== undefined ? [server.spec.rpo, 'BackupServer' as const, server.name]
    : [undefined, undefined, undefined];
  const ms = text === undefined ? null : rpoMilliseconds(text);
  return ms === null ? null : { ms, text: text!, kind: kind!, name: name! };
}

// A fleet writes a handful of rpo texts (mostly its servers' defaults) on thousands of definitions.
const rpoTexts = new Map<string, number | null>();

function rpoMilliseconds(text: string): number | null {
  let ms = rpoTexts.get(text);
  if (ms === undefined) {
    const parsed = parseDuration(text);
    ms = parsed === null ? null : approximateMilliseconds(parsed);
    if (rpoTexts.size >= 1000) rpoTexts.clear();
    rpoTexts.set(text, ms);
  }
  return ms;
}

type Scope = Pick<LogicalOptions, 'type' | 'databases' | 'exclude'>;

/** The Backups of one node with what they inherit: the input of its units. */
export interface NodeDefinitions {
  node: string;
  nodeSpec: NodeSpec | undefined;
  server: { name: string; spec: BackupServerSpec } | undefined;
  names: string[];
  specs: BackupSpec[];
}

/** A configuration's or catalog's Backups grouped by node, and each node's units once asked (nodeUnitsOf). */
export interface CoverageIndex {
  nodes: Map<string, NodeDefinitions>;
  units: Map<string, NodeUnits>;
}

// One index per array of objects: a plan asks the catalog's and the projection's coverage for its effects
// and for its brake. Arrays of objects are not changed once made (their length is checked all the same).
const indexes = new WeakMap<readonly RpoObject[], { length: number; index: CoverageIndex }>();

/** The Backups of `objects` by node (remembered per array of objects). */
export function coverageIndexOf(objects: readonly RpoObject[]): CoverageIndex {
  const known = indexes.get(objects);
  if (known && known.length === objects.length) return known.index;
  const nodeSpecs = new Map<string, NodeSpec>();
  const serverSpecs = new Map<string, BackupServerSpec>();
  const nodes = new Map<string, NodeDefinitions>();
  for (const o of objects) {
    if (o.kind === 'Node') nodeSpecs.set(o.name, o.spec);
    else if (o.kind === 'BackupServer') serverSpecs.set(o.name, o.spec);
    else if (o.kind === 'Backup') {
      const node = o.spec.node;
      let d = nodes.get(node);
      if (!d) nodes.set(node, (d = { node, nodeSpec: undefined, server: undefined, names: [], specs: [] }));
      d.names.push(o.name);
      d.specs.push(o.spec);
    }
  }
  for (const d of nodes.values()) {
    d.nodeSpec = nodeSpecs.get(d.node);
    const serverSpec = d.nodeSpec ? serverSpecs.get(d.nodeSpec.backupServer) : undefined;
    d.server = serverSpec && { name: d.nodeSpec!.backupServer, spec: serverSpec };
  }
  const index: CoverageIndex = { nodes, units: new Map() };
  indexes.set(objects, { length: objects.length, index });
  return index;
}

/** The units of a node's Backups with what covers them (null when the node has no Backup). */
export function nodeUnitsOf(index: CoverageIndex, node: string): NodeUnits | null {
  let units = index.units.get(node);
  if (units) return units;
  const d = index.nodes.get(node);
  if (!d) return null;
  units = unitsOf(d);
  index.units.set(node, units);
  return units;
}

/**
 * Whether every unit of a node meets its rpo, decided without making its units (rpoBreaches): no definition
 * of the node is held to an rpo, or one that backs up every database (a cluster or physical backup, or
 * `databases: all` without exclusions) is scheduled on a schedule whose fixed weekly worst case
 * (fixedWeeklyGapMs, UTC) is within the tightest rpo of the node's definitions. Each unit's set of schedules
 * then holds that schedule, which bounds the set's worst case, and a unit is held to the tightest rpo of the
 * definitions that cover it, never less than the node's tightest. False says nothing: the units are measured.
 */
export function nodeMeetsEveryRpo({ node, nodeSpec, server, specs }: NodeDefinitions): boolean {
  const inherited = effectiveRpo({ name: '', spec: {} }, nodeSpec && { name: node, spec: nodeSpec }, server)?.ms ?? Infinity;
  const running = nodeSpec?.status === 'running';
  let tightest = Infinity;
  let wholeGap = Infinity;
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i]!;
    const rpo = spec.rpo === undefined ? inherited : rpoMilliseconds(spec.rpo) ?? Infinity;
    if (rpo < tightest) tightest = rpo;
    if (running && spec.enabled && backsUpEveryDatabaseAlike(spec)) {
      const gap = fixedWeeklyGapMs(scheduleId(spec.resolvedSchedule, spec.timezone));
      if (gap !== null && gap < wholeGap) wholeGap = gap;
    }
  }
  return tightest === Infinity || wholeGap <= tightest;
}

/** Whether a definition backs up every database of its node, excluding none (and not structure only). */
function backsUpEveryDatabaseAlike(spec: BackupSpec): boolean {
  const s = scopeOf(spec);
  return s.type === 'cluster' || (s.type !== 'schema' && s.databases === 'all' && s.exclude.length === 0);
}

const scratchIds: number[] = [];

/** The unit whose covering definitions were just pushed (from `from` on): its set of schedules and its rpo. */
function addUnit(out: NodeUnits, database: string | null, definition: string | null, from: number, scheduleIds: readonly number[], rpos: ReadonlyArray<UnitRpo | null>): void {
  const { covering, protects } = out;
  scratchIds.length = 0;
  let rpo: UnitRpo | null = null;
  for (let k = from; k < covering.length; k++) {
    const i = covering[k]!;
    if (protects[i]) scratchIds.push(scheduleIds[i]!);
    const r = rpos[i]!;
    if (r && (rpo === null || r.ms < rpo.ms)) rpo = r;
  }
  out.units.push({ database, definition, schedules: scheduleSetKeyOfIds(scratchIds), rpo, from, to: covering.length });
}

/**
 * Of a node's units, only those of the databases in `databases` (no "every database" unit), made as
 * nodeUnitsOf makes them (not remembered): what rpoEffects measures where a plan changes only lists.
 */
export function unitsOfDatabases(definitions: NodeDefinitions, databases: ReadonlySet<string>): NodeUnits {
  return unitsOf(definitions, databases);
}

function unitsOf({ node, nodeSpec, server, names, specs }: NodeDefinitions, only?: ReadonlySet<string>): NodeUnits {
  const running = nodeSpec?.status === 'running';
  // The rpo a definition without its own inherits, once per node.
  const inherited = effectiveRpo({ name: '', spec: {} }, nodeSpec && { name: node, spec: nodeSpec }, server);
  const count = names.length;
  const scopes: Scope[] = new Array(count);
  const rpos: Array<UnitRpo | null> = new Array(count);
  const protects: boolean[] = new Array(count);
  const scheduleIds: number[] = new Array(count);
  // The definitions that back up every database (a cluster backup, or databases: all), and per database a
  // list names, the lists that name it, both in definition order: a unit's covering definitions are gathered
  // from these, instead of asking each definition of the node about each of its databases.
  const whole: number[] = [];
  const listed = new Map<string, number[]>();
  for (let i = 0; i < count; i++) {
    const spec = specs[i]!;
    const scope = scopeOf(spec);
    scopes[i] = scope;
    rpos[i] = spec.rpo === undefined ? inherited : effectiveRpo({ name: names[i]!, spec }, undefined, undefined);
    protects[i] = running && spec.enabled && scope.type !== 'schema';
    scheduleIds[i] = protects[i] ? scheduleId(spec.resolvedSchedule, spec.timezone) : -1;
    if (scope.type === 'cluster' || scope.databases === 'all') whole.push(i);
    else {
      for (const database of scope.databases) {
        const lists = listed.get(database);
        if (!lists) listed.set(database, [i]);
        else if (lists[lists.length - 1] !== i) lists.push(i);
      }
    }
  }
  const out: NodeUnits = { node, units: [], names, protects, covering: [] };
  const covering = out.covering;
  for (let d = 0; d < count; d++) {
    const ds = scopes[d]!;
    if (ds.type === 'cluster' || ds.databases === 'all') {
      if (only) continue;
      // Every database d covers is covered by another "every database" definition that excludes no more.
      const from = covering.length;
      for (const o of whole) {
        const os = scopes[o]!;
        if (os.type === 'cluster' || os.exclude.every((x) => ds.type !== 'cluster' && ds.exclude.includes(x))) covering.push(o);
      }
      addUnit(out, null, names[d]!, from, scheduleIds, rpos);
    } else {
      const databases = ds.databases;
      for (let j = 0; j < databases.length; j++) {
        const database = databases[j]!;
        const lists = listed.get(database)!;
        // A database's unit comes with the first list that names it, once.
        if (lists[0] !== d || databases.indexOf(database) !== j || (only && !only.has(database))) continue;
        const from = covering.length;
        // The whole-cluster definitions that do not exclude it and the lists naming it, merged in definition order.
        let w = 0;
        let l = 0;
        while (w < whole.length || l < lists.length) {
          if (l === lists.length || (w < whole.length && whole[w]! < lists[l]!)) {
            const o = whole[w++]!;
            const os = scopes[o]!;
            if (os.type === 'cluster' || !os.exclude.includes(database)) covering.push(o);
          } else covering.push(lists[l++]!);
        }
        addUnit(out, database, null, from, scheduleIds, rpos);
      }
    }
  }
  return out;
}

/** Whether two definitions back up the same databases (their scopes, as scopeOf reads them, are alike). */
export function sameScope(a: Scope, b: Scope): boolean {
  const sameList = (x: readonly string[], y: readonly string[]) => x === y || (x.length === y.length && x.every((v, i) => v === y[i]));
  return a.type === b.type && sameList(a.exclude, b.exclude)
    && (a.databases === 'all' || b.databases === 'all' ? a.databases === b.databases : sameList(a.databases, b.databases));
}

/**
 * Whether a definition's runs bring a database's data back, as its method says: a list naming it,
 * `databases: all` not excluding it, a cluster dump, a physical backup; a `type: schema` dump (structure
 * only) does not. Whether it is scheduled is the caller's question.
 */
export function backsUp(spec: BackupSpec, database: string): boolean {
  return scopeOf(spec).type !== 'schema' && methodRulesOf(methodOf(spec)).covers(spec, database);
}

/**
 * Whether the definitions of `backups` together back up every database that "every database" definition
 * `of` backs up: one of them is a cluster backup, or a `databases: all` that excludes no more than `of`.
 */
export function backsUpEveryDatabaseOf(backups: readonly BackupSpec[], of: BackupSpec): boolean {
  const ofScope = scopeOf(of);
  return backups.some((o) => {
    const os = scopeOf(o);
    return os.type === 'cluster' || (os.type !== 'schema' && os.databases === 'all' && os.exclude.every((x) => ofScope.type !== 'cluster' && ofScope.exclude.includes(x)));
  });
}

/** Whether a definition backs up every database of its node but those it excludes (databases: all, cluster, physical). */
export function backsUpEveryDatabase(spec: BackupSpec): boolean {
  const s = scopeOf(spec);
  return s.type === 'cluster' || s.databases === 'all';
}

const WHOLE_CLUSTER: Scope = Object.freeze({ type: 'cluster', databases: 'all', exclude: [] as string[] });

/** What a definition backs up: a physical method (basebackup, pgbackrest) takes the whole cluster, like pg_dumpall. */
export function scopeOf(spec: BackupSpec): Scope {
  return isLogicalSpec(spec) ? spec : WHOLE_CLUSTER;
}
