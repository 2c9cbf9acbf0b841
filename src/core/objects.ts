// An object as the catalog holds it (and as the planner compares it with the configuration): one type for the
// catalog's reads, the plan, the definition cache, the reports and the jobs. A union discriminated by kind, so
// that `o.kind === 'Node'` makes `o.spec` a NodeSpec without a cast; the catalog trusts its own rows (each was
// validated and normalised before it was written) and types them once, where it reads them. The helpers
// below are the lookups every reader of a set of objects needs.
import type { BackupServerSpec, BackupSpec, Kind, NodeSpec, RetentionSpec, SpecByKind } from './model.js';

export type ObjectOfKind<K extends Kind> = K extends Kind ? { kind: K; name: string; spec: SpecByKind[K]; hash: string } : never;

/** One object of the catalog: its kind, name, normalised spec and the spec's hash. */
export type ActualObject = ObjectOfKind<Kind>;

/** What the lookups below need of an object: a configuration's DesiredObject and the catalog's ActualObject. */
export type TypedObject = { [K in Kind]: { kind: K; name: string; spec: SpecByKind[K] } }[Kind];

/** The spec of `kind` named `name` among the objects, or undefined when there is none. */
export function findSpec<K extends Kind>(objects: readonly TypedObject[], kind: K, name: string): SpecByKind[K] | undefined {
  for (const o of objects) if (o.kind === kind && o.name === name) return o.spec as SpecByKind[K];
  return undefined;
}

/** Name and spec of every object of one kind, in the objects' order. */
export function specsOfKind<K extends Kind>(objects: readonly TypedObject[], kind: K): Array<{ name: string; spec: SpecByKind[K] }> {
  const out: Array<{ name: string; spec: SpecByKind[K] }> = [];
  for (const o of objects) if (o.kind === kind) out.push({ name: o.name, spec: o.spec as SpecByKind[K] });
  return out;
}

/** The specs of one kind by name. */
export function specMap<K extends Kind>(objects: readonly TypedObject[], kind: K): Map<string, SpecByKind[K]> {
  return new Map(specsOfKind(objects, kind).map((o) => [o.name, o.spec]));
}

export function serverSpecOf(objects: readonly TypedObject[], server: string): BackupServerSpec | undefined {
  return findSpec(objects, 'BackupServer', server);
}

export function nodeSpecOf(objects: readonly TypedObject[], node: string): NodeSpec | undefined {
  return findSpec(objects, 'Node', node);
}

/** A Backup's retention: its inline policy, or the named Retention among `retentions` (null when absent). */
export function retentionOf(backup: Pick<BackupSpec, 'retention'>, retentions: ReadonlyMap<string, RetentionSpec>): RetentionSpec | null {
  return typeof backup.retention === 'string' ? retentions.get(backup.retention) ?? null : backup.retention;
}
