// The catalog as it will be after a plan's unblocked object actions: the source of every server's schedule.
import type { Kind } from '../model.js';
import type { ActualObject } from '../objects.js';
import type { ObjectAction } from './types.js';

/**
 * `actual` in its order with each acted-on object replaced or left out, then the objects the actions create
 * in the actions' order. Walked once, by kind and name, without a "kind/name" key per object: a daemon's
 * plan touches a few of 100,000.
 */
export function projectObjects(actual: readonly ActualObject[], actions: readonly ObjectAction[]): ActualObject[] {
  const acting = new Map<Kind, Map<string, ObjectAction>>();
  for (const action of actions) {
    if (action.blocked) continue;
    let names = acting.get(action.kind);
    if (!names) acting.set(action.kind, (names = new Map()));
    names.set(action.name, action);
  }
  if (acting.size === 0) return [...actual];
  const out: ActualObject[] = [];
  const found = new Set<ObjectAction>();
  for (const o of actual) {
    const action = acting.get(o.kind)?.get(o.name);
    if (!action) out.push(o);
    else {
      found.add(action);
      if (action.op !== 'delete') out.push(objectOf(action));
    }
  }
  for (const action of actions) {
    if (!action.blocked && action.op !== 'delete' && !found.has(action) && acting.get(action.kind)!.get(action.name) === action) out.push(objectOf(action));
  }
  return out;
}

function objectOf(action: ObjectAction): ActualObject {
  // The action's kind and spec belong together (ObjectAction is a union by kind); TypeScript cannot follow that
  // through the copy.
  return { kind: action.kind, name: action.name, spec: action.after, hash: action.hash } as ActualObject;
}
