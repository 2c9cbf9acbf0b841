// An object as the catalog holds it (and as the planner compares it with the configuration): one type for the
// catalog's reads, the plan, the definition cache, the reports and the jobs. A union discriminated by kind, so
// that `o.kind === 'Node'` makes `o.spec` a NodeSpec without a cast; the catalog trusts its own rows (each was
// validated and normalised before it was written) and types them once, where it reads them.
import type { BackupServerSpec, BackupSpec, Kind, NodeSpec, RestoreSpec, RetentionSpec, SnapshotSpec, SpecByKind } from './model.js';

export type ObjectOfKind<K extends Kind> = { kind: K; name: string; spec: SpecByKind[K]; hash: string };

/** One object of the catalog: its kind, name, normalised spec and the spec's hash. */
export type ActualObject = { [K in Kind]: ObjectOfKind<K> }[Kind];

/** The spec of `kind` and `name` among the objects, or undefined when there is none. */
export function findSpec<K extends Kind>(objects: readonly ActualObject[], kind: K, name: string): SpecByKind[K] | undefined {
  for (const o of objects) if (o.kind === kind && o.name === name) return o.spec as SpecByKind[K];
  return undefined;
}

/** Every object of one kind, typed as that kind. */
export function objectsOfKind<K extends Kind>(objects: readonly ActualObject[], kind: K): ObjectOfKind<K>[] {
  return objects.filter((o): o is Extract<ActualObject, { kind: K }> & ObjectOfKind<K> => o.kind === kind);
}

/**
 * A spec whose kind the caller knows from elsewhere (a plan action's or a one-off job's kind), typed as that
 * kind. Throws when the kind is not the one asked for: a wrong guess is a bug, never a silent misreading.
 */
export function specOfKind<K extends Kind>(kind: K, object: { kind: Kind; spec: unknown }): SpecByKind[K] {
  if (object.kind !== kind) throw new TypeError(`expected a ${kind} spec, got a ${object.kind} one`);
  return object.spec as SpecByKind[K];
}

export const serverSpecOf = (o: { kind: Kind; spec: unknown }): BackupServerSpec => specOfKind('BackupServer', o);
export const nodeSpecOf = (o: { kind: Kind; spec: unknown }): NodeSpec => specOfKind('Node', o);
export const backupSpecOf = (o: { kind: Kind; spec: unknown }): BackupSpec => specOfKind('Backup', o);
export const retentionSpecOf = (o: { kind: Kind; spec: unknown }): RetentionSpec => specOfKind('Retention', o);
export const snapshotSpecOf = (o: { kind: Kind; spec: unknown }): SnapshotSpec => specOfKind('Snapshot', o);
export const restoreSpecOf = (o: { kind: Kind; spec: unknown }): RestoreSpec => specOfKind('Restore', o);
