// Pure diff of desired objects against catalog objects: create / update / delete, with blocked deletes
// and the mass-deletion brake. Order: parents created first, children deleted first.
import { KINDS, objectKey, type DesiredObject, type Kind } from '../model.js';
import { referencesOf } from '../references.js';
import { canonicalJson } from '../canonical.js';
import type { ActualObject } from '../objects.js';
import type { ObjectAction, PlanOptions } from './types.js';
import { holdBackSlotDrops } from './slot-drops.js';

export interface CatalogPlan {
  actions: ObjectAction[];
  refusal?: { code: string; message: string };
}

const kindRank = new Map<Kind, number>(KINDS.map((k, i) => [k, i]));

export function planCatalog(
  desired: readonly DesiredObject[],
  actual: readonly ActualObject[],
  backupCounts: Readonly<Record<string, number>>,
  options: PlanOptions,
): CatalogPlan {
  const upserts: ObjectAction[] = [];
  const deleted: ActualObject[] = [];
  eachPair(desired, actual, (want, have) => {
    if (!want) deleted.push(have!);
    else if (!have) {
      upserts.push(objectAction({ op: 'create', kind: want.kind, name: want.name, after: want.spec, hash: want.hash, reason: 'declared in the configuration, absent from the catalog' }));
    } else if (have.hash !== want.hash) {
      upserts.push(objectAction({
        op: 'update', kind: want.kind, name: want.name, before: have.spec, after: want.spec, hash: want.hash,
        changedFields: changedTopLevelFields(have.spec, want.spec),
        reason: 'the configuration differs from the catalog',
      }));
    }
  });

  const deletes = deleted.map((o) => objectAction({ op: 'delete', kind: o.kind, name: o.name, before: o.spec, reason: 'no longer in the configuration' }));
  // Before the deletes are blocked: a Node update held back keeps referencing what it references now.
  holdBackSlotDrops(upserts, options);
  blockDeletes(upserts, deletes, desired, actual, backupCounts, options);

  const actions = [
    ...upserts.sort(byKindThenName(1)),
    ...deletes.sort(byKindThenName(-1)),
  ];
  return { actions, refusal: massDeletionRefusal(deletes, actual, options) };
}

/**
 * Calls `fn` once per kind and name: with the desired object, the catalog's, or both. Both lists normally come
 * in catalog order (the configuration's objects by kind then name, core/config/validate.ts; the catalog's read
 * so, core/plan/catalog-order.ts): they are then walked side by side, without a map of 100,000 names; lists
 * in another order are matched through maps. Desired objects come in their order, then the catalog's alone.
 */
function eachPair(
  desired: readonly DesiredObject[],
  actual: readonly ActualObject[],
  fn: (want: DesiredObject | undefined, have: ActualObject | undefined) => void,
): void {
  if (!strictlyInCatalogOrder(desired) || !strictlyInCatalogOrder(actual)) {
    const actualByKind = byKindAndName(actual);
    const desiredByKind = byKindAndName(desired);
    for (const want of desired) fn(want, actualByKind.get(want.kind)?.get(want.name));
    for (const have of actual) if (!desiredByKind.get(have.kind)?.has(have.name)) fn(undefined, have);
    return;
  }
  const alone: ActualObject[] = [];
  let j = 0;
  for (const want of desired) {
    // Most objects are in both lists, side by side: one comparison each.
    const next = actual[j];
    if (next !== undefined && next.name === want.name && next.kind === want.kind) {
      fn(want, next);
      j++;
      continue;
    }
    while (j < actual.length && compareKeys(actual[j]!, want) < 0) alone.push(actual[j++]!);
    if (j < actual.length && compareKeys(actual[j]!, want) === 0) fn(want, actual[j++]);
    else fn(want, undefined);
  }
  while (j < actual.length) alone.push(actual[j++]!);
  for (const have of alone) fn(undefined, have);
}

function compareKeys(a: { kind: Kind; name: string }, b: { kind: Kind; name: string }): number {
  // Neighbours in a 100,000-object walk are nearly always of one kind: no rank looked up for them.
  if (a.kind !== b.kind) return kindRank.get(a.kind)! - kindRank.get(b.kind)!;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function strictlyInCatalogOrder(objects: readonly { kind: Kind; name: string }[]): boolean {
  for (let i = 1; i < objects.length; i++) if (compareKeys(objects[i - 1]!, objects[i]!) >= 0) return false;
  return true;
}

function byKindAndName<T extends { kind: Kind; name: string }>(objects: readonly T[]): Map<Kind, Map<string, T>> {
  const out = new Map<Kind, Map<string, T>>();
  for (const o of objects) {
    let names = out.get(o.kind);
    if (!names) out.set(o.kind, (names = new Map()));
    names.set(o.name, o);
  }
  return out;
}

/**
 * An action from an object whose kind and spec are known to belong together (a desired or catalog object of
 * that kind): the one place where TypeScript is told so, as it cannot correlate a kind and spec of
 * `Kind`-wide unions.
 */
function objectAction(action: { op: ObjectAction['op']; kind: Kind; name: string; reason: string; before?: unknown; after?: unknown; hash?: string; changedFields?: string[] }): ObjectAction {
  return action as ObjectAction;
}

/**
 * Marks deletes that must not happen: definitions holding backups (without --prune), and anything still
 * referenced by an object that stays (declared, or itself blocked). Walks children before parents so a
 * blocked definition keeps its node and the node keeps its server.
 */
function blockDeletes(
  upserts: readonly ObjectAction[],
  deletes: ObjectAction[],
  desired: readonly DesiredObject[],
  actual: readonly ActualObject[],
  backupCounts: Readonly<Record<string, number>>,
  options: PlanOptions,
): void {
  // Nothing to block: who references what is only needed to judge a delete (most plans of a daemon have none).
  if (deletes.length === 0) return;
  const specByKey = new Map<string, { kind: Kind; spec: unknown }>();
  for (const o of actual) specByKey.set(objectKey(o.kind, o.name), o);
  // Objects that will exist after the apply, and who references each of them.
  const referrers = new Map<string, string[]>();
  const addReferrer = (kind: Kind, name: string, spec: unknown) => {
    for (const ref of referencesOf(kind, spec)) {
      const key = objectKey(ref.kind, ref.name);
      const list = referrers.get(key) ?? [];
      list.push(objectKey(kind, name));
      referrers.set(key, list);
    }
  };
  for (const o of desired) addReferrer(o.kind, o.name, o.spec);
  // A held-back update leaves the object as the catalog has it.
  for (const a of upserts) if (a.blocked && a.op === 'update') addReferrer(a.kind, a.name, a.before);

  for (const action of [...deletes].sort(byKindThenName(-1))) {
    if (action.kind === 'Backup') {
      const count = backupCounts[action.name] ?? 0;
      if (count > 0 && !options.prune) {
        action.blocked = `${count} backup(s) of this definition are in the catalog; deleting the definition needs --prune (its backups are kept until their retention expires them)`;
      }
    } else {
      const users = referrers.get(objectKey(action.kind, action.name));
      if (users && users.length > 0) {
        action.blocked = `still referenced by ${describeList(users)}`;
      } else {
        holdBackSlotDrops([action], options);
      }
    }
    // An object that stays keeps what it references alive.
    if (action.blocked) addReferrer(action.kind, action.name, specByKey.get(objectKey(action.kind, action.name))?.spec);
  }
}

function massDeletionRefusal(
  deletes: readonly ObjectAction[],
  actual: readonly ActualObject[],
  options: PlanOptions,
): CatalogPlan['refusal'] {
  if (options.allowMassDelete) return undefined;
  const existing = actual.filter((o) => o.kind === 'Backup').length;
  const deleting = deletes.filter((a) => a.kind === 'Backup' && !a.blocked).length;
  if (existing === 0 || deleting === 0) return undefined;
  const trips = brakeTrips(deleting, existing, options);
  if (trips === 'all') {
    return {
      code: 'E_MASS_DELETE',
      message: `this revision deletes every backup definition (${deleting} of ${existing}); if that is intended, apply with --allow-mass-delete`,
    };
  }
  if (trips === 'share') {
    return {
      code: 'E_MASS_DELETE',
      message: `this revision deletes ${deleting} of ${existing} backup definitions (${Math.round((deleting / existing) * 100)} %, above the ${Math.round(options.massDeleteShare * 100)} % brake); if that is intended, apply with --allow-mass-delete`,
    };
  }
  return undefined;
}

/** The mass-delete brake's rule: losing all of something, or more than `massDeleteShare` of it. */
export function brakeTrips(losing: number, existing: number, options: PlanOptions): 'all' | 'share' | null {
  if (options.allowMassDelete || existing === 0 || losing === 0) return null;
  if (losing >= existing) return 'all';
  return losing / existing > options.massDeleteShare ? 'share' : null;
}

function changedTopLevelFields(before: unknown, after: unknown): string[] {
  const a = (before ?? {}) as Record<string, unknown>;
  const b = (after ?? {}) as Record<string, unknown>;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => canonicalJson(a[k]) !== canonicalJson(b[k])).sort();
}

function byKindThenName(direction: 1 | -1) {
  return (x: ObjectAction, y: ObjectAction) =>
    direction * ((kindRank.get(x.kind) ?? 0) - (kindRank.get(y.kind) ?? 0)) || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0);
}

function describeList(keys: string[]): string {
  const sorted = [...keys].sort();
  const shown = sorted.slice(0, 3).join(', ');
  return sorted.length > 3 ? `${shown} and ${sorted.length - 3} more` : shown;
}
