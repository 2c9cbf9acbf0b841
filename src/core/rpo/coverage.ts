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
import type { ZonedSchedule } from './worst-gap.js';
import type { TypedObject } from '../objects.js';

/** A configuration or catalog object (the coverage of a plan is computed on both). */
export type RpoObject = TypedObject;

export interface RpoUnit {
  node: string;
  /** A database named in a list; null for every database of `definition` (databases: all, or a cluster dump). */
  database: string | null;
  definition: string | null;
}

export interface UnitCoverage {
  unit: RpoUnit;
  /** Definitions whose runs protect it now (scheduled, and restorable). */
  protectedBy: string[];
  schedules: ZonedSchedule[];
  /** The tightest rpo of the definitions that name it, and where it is written; null when none says one. */
  rpo: { ms: number; text: string; kind: Kind; name: string } | null;
}

export function unitKey(u: RpoUnit): string {
  return u.database === null ? `${u.node}\u0000*\u0000${u.definition}` : `${u.node}\u0000${u.database}`;
}

/** A definition's rpo: its own, else its node's, else its server's; months count as 30 days. */
export function effectiveRpo(
  backup: { name: string; spec: Pick<BackupSpec, 'rpo'> },
  node: { name: string; spec: NodeSpec } | undefined,
  server: { name: string; spec: BackupServerSpec } | undefined,
): UnitCoverage['rpo'] {
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

/** Every unit of the Backups on `nodes` (all nodes when omitted), with what protects it. */
export function coverageOf(objects: readonly RpoObject[], nodes?: ReadonlySet<string>): UnitCoverage[] {
  const nodeSpecs = new Map<string, NodeSpec>();
  const serverSpecs = new Map<string, BackupServerSpec>();
  const byNode = new Map<string, Array<{ name: string; spec: BackupSpec }>>();
  for (const o of objects) {
    if (o.kind === 'Node') nodeSpecs.set(o.name, o.spec);
    else if (o.kind === 'BackupServer') serverSpecs.set(o.name, o.spec);
    else if (o.kind === 'Backup') {
      const spec = o.spec;
      if (nodes && !nodes.has(spec.node)) continue;
      let list = byNode.get(spec.node);
      if (!list) byNode.set(spec.node, (list = []));
      list.push({ name: o.name, spec });
    }
  }
  const out: UnitCoverage[] = [];
  for (const [node, definitions] of byNode) {
    const nodeSpec = nodeSpecs.get(node);
    const serverSpec = nodeSpec ? serverSpecs.get(nodeSpec.backupServer) : undefined;
    const running = nodeSpec?.status === 'running';
    // The rpo a definition without its own inherits, once per node (not two wrappers and a result per definition).
    const inherited = effectiveRpo({ name: '', spec: {} }, nodeSpec && { name: node, spec: nodeSpec }, serverSpec && { name: nodeSpec!.backupServer, spec: serverSpec });
    // Once per definition: a definition covers several units, and each unit asks every definition covering
    // it (a fleet plan asks this of every definition of every node it touches, twice).
    const prepared = definitions.map((d) => {
      const scope = scopeOf(d.spec);
      return {
        name: d.name, scope,
        protects: running && d.spec.enabled && scope.type !== 'schema',
        rpo: d.spec.rpo === undefined ? inherited : effectiveRpo(d, undefined, undefined),
        schedule: { schedule: d.spec.resolvedSchedule, timezone: d.spec.timezone } as ZonedSchedule,
      };
    });
    type Prepared = (typeof prepared)[number];
    const units = new Map<string, { unit: RpoUnit; covering: Prepared[] }>();
    for (const d of prepared) {
      const ds = d.scope;
      if (ds.type === 'cluster' || ds.databases === 'all') {
        const unit = { node, database: null, definition: d.name };
        // Every database d covers is covered by another "every database" definition that excludes no more.
        const covering = prepared.filter(({ scope: os }) =>
          os.type === 'cluster' || (os.databases === 'all' && os.exclude.every((x) => ds.type !== 'cluster' && ds.exclude.includes(x))));
        units.set(unitKey(unit), { unit, covering });
      } else {
        for (const database of ds.databases) {
          const unit = { node, database, definition: null };
          const key = unitKey(unit);
          if (units.has(key)) continue;
          const covering = prepared.filter(({ scope: os }) =>
            os.type === 'cluster' || (os.databases === 'all' ? !os.exclude.includes(database) : os.databases.includes(database)));
          units.set(key, { unit, covering });
        }
      }
    }
    for (const { unit, covering } of units.values()) {
      const protectedBy: string[] = [];
      const schedules: ZonedSchedule[] = [];
      let rpo: UnitCoverage['rpo'] = null;
      for (const d of covering) {
        if (d.protects) {
          protectedBy.push(d.name);
          schedules.push(d.schedule);
        }
        if (d.rpo && (rpo === null || d.rpo.ms < rpo.ms)) rpo = d.rpo;
      }
      out.push({ unit, protectedBy: protectedBy.sort(), schedules, rpo });
    }
  }
  return out;
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

/** What a definition backs up: a physical method (basebackup, pgbackrest) takes the whole cluster, like pg_dumpall. */
export function scopeOf(spec: BackupSpec): Pick<LogicalOptions, 'type' | 'databases' | 'exclude'> {
  return isLogicalSpec(spec) ? spec : { type: 'cluster', databases: 'all', exclude: [] };
}
