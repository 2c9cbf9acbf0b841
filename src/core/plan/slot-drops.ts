// A WAL archive's replication slot is dropped only with consent (docs/operations.md, "The WAL archive"): a Node
// change that stops wanting a slot (walArchive removed, disabled, or its slot renamed; the Node deleted) drops
// the slot on the node once applied, since a slot without its receiver keeps the node's WAL until its disk
// fills. Without --allow-slot-drop such an action is held back like a delete that needs --prune: the node stays
// as it is, archived, and the plan says why. Moving an archive to another backup server keeps its slot. Pure.
import type { NodeSpec } from '../model.js';
import type { ObjectAction, PlanOptions } from './types.js';

export const SLOT_DROP_FLAG = '--allow-slot-drop';

/** The slot a Node's spec keeps a receiver on, or null. */
export function wantedSlot(spec: unknown): string | null {
  const archive = (spec as NodeSpec | undefined)?.walArchive;
  return archive?.enabled ? archive.slot : null;
}

/** The slot this action stops wanting (and will have dropped), or null. */
export function slotDroppedBy(action: Pick<ObjectAction, 'kind' | 'op' | 'before' | 'after'>): string | null {
  if (action.kind !== 'Node' || action.op === 'create') return null;
  const before = wantedSlot(action.before);
  if (before === null) return null;
  return action.op === 'delete' || wantedSlot(action.after) !== before ? before : null;
}

/** Marks (in place) the Node actions that drop a slot: a note with consent, held back without it. */
export function holdBackSlotDrops(actions: readonly ObjectAction[], options: PlanOptions): void {
  for (const action of actions) {
    if (action.blocked) continue;
    const slot = slotDroppedBy(action);
    if (slot === null) continue;
    const what = `drops replication slot ${slot} on node ${action.name} (its WAL receiver stops; the node no longer keeps WAL for the archive)`;
    if (options.allowSlotDrop) action.note = what;
    else action.blocked = `${what}; needs ${SLOT_DROP_FLAG}`;
  }
}
