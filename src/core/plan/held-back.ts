// Actions a plan holds back: deletes blocked because a definition still has backups (they need --prune),
// and the deletes of what such a definition keeps referenced. An apply commits everything else, so a plan
// with held-back actions is applied only partially, and every outcome (the CLI, the catalog, the daemon)
// must say so rather than report success.
import type { Kind } from '../model.js';
import type { ObjectOp, Plan } from './types.js';
import { SLOT_DROP_FLAG } from './slot-drops.js';

export interface HeldBackAction {
  op: ObjectOp;
  kind: Kind;
  name: string;
  /** Why it is held back and what allows it. */
  reason: string;
}

export function heldBackActions(plan: Plan): HeldBackAction[] {
  return plan.objectActions
    .filter((a) => a.blocked !== undefined)
    .map((a) => ({ op: a.op, kind: a.kind, name: a.name, reason: a.blocked! }));
}

/** "delete Backup nightly: 3 backup(s) of this definition are in the catalog; ..." */
export function describeHeldBack(action: HeldBackAction): string {
  return `${action.op} ${action.kind} ${action.name}: ${action.reason}`;
}

/**
 * What releases held-back actions. A delete goes back to a definition that has backups (a reference only
 * blocks while its referrer stays), so --prune releases those; a Node change that would drop a WAL archive's
 * replication slot needs --allow-slot-drop (slot-drops.ts), and says so in its reason.
 */
export const HELD_BACK_HINT = 'needs --prune';

/** The flags that release these held-back actions (described or as actions): "needs --prune", "needs --allow-slot-drop"... */
export function heldBackHint(actions: ReadonlyArray<HeldBackAction | string>): string {
  const texts = actions.map((a) => (typeof a === 'string' ? a : a.reason));
  const slot = texts.filter((t) => t.endsWith(`needs ${SLOT_DROP_FLAG}`)).length;
  if (slot === 0) return HELD_BACK_HINT;
  return slot === texts.length ? `needs ${SLOT_DROP_FLAG}` : `${HELD_BACK_HINT} or ${SLOT_DROP_FLAG}`;
}

/** The outcome in a few words: "1 action(s) held back (needs --prune)". */
export function heldBackSummary(actions: readonly HeldBackAction[]): string {
  return `${actions.length} action(s) held back (${heldBackHint(actions)})`;
}

/**
 * Same actions, in any order: whether the catalog's record of them is current. Reasons are not compared:
 * they carry counts (of backups) that move without anything to apply.
 */
export function sameHeldBack(a: readonly HeldBackAction[], b: readonly HeldBackAction[]): boolean {
  const key = (x: HeldBackAction) => `${x.op} ${x.kind} ${x.name}`;
  const keys = new Set(a.map(key));
  return a.length === b.length && b.every((x) => keys.has(key(x)));
}
