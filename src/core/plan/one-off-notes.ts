// What a change to a one-off job (Snapshot, Restore) means once it has run: nothing, to what it did. The
// plan says so, so that a reviewer does not expect an edited Snapshot to be taken again.
import { objectKey } from '../model.js';
import type { ObjectAction } from './types.js';

const FINAL: Readonly<Record<string, string>> = {
  running: 'it is running now: the change does not affect that run, and it will not run again',
  succeeded: 'it already ran (succeeded): the change is recorded but does not run it again',
  failed: 'it already ran (failed): the change is recorded but does not run it again; give it a new name to run it anew',
  missed: 'it missed its startingDeadline: with this change it is pending again',
};

/** Notes on updates and deletes of one-off jobs what their current state (by kind/name key) implies. */
export function noteOneOffActions(actions: ObjectAction[], states: ReadonlyMap<string, string>): void {
  for (const action of actions) {
    if (action.kind !== 'Snapshot' && action.kind !== 'Restore') continue;
    const state = states.get(objectKey(action.kind, action.name));
    if (state === undefined || state === 'pending') continue;
    if (action.op === 'update' && FINAL[state]) action.note = FINAL[state];
    if (action.op === 'delete' && state !== 'missed') {
      const stays = action.kind === 'Snapshot' ? 'its backups stay until keepFor expires them' : 'what it restored stays';
      action.note = `it ${state === 'running' ? 'is running' : `ran (${state})`}: ${stays}`;
    }
  }
}
