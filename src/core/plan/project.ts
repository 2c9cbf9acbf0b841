// The catalog as it will be after a plan's unblocked object actions: the source of every server's schedule.
import { objectKey } from '../model.js';
import type { ActualObject } from '../objects.js';
import type { ObjectAction } from './types.js';

export function projectObjects(actual: readonly ActualObject[], actions: readonly ObjectAction[]): ActualObject[] {
  const byKey = new Map(actual.map((o) => [objectKey(o.kind, o.name), o]));
  for (const action of actions) {
    if (action.blocked) continue;
    const key = objectKey(action.kind, action.name);
    if (action.op === 'delete') byKey.delete(key);
    // The action's kind and spec belong together (ObjectAction is a union by kind); TypeScript cannot follow that
    // through the copy.
    else byKey.set(key, { kind: action.kind, name: action.name, spec: action.after, hash: action.hash } as ActualObject);
  }
  return [...byKey.values()];
}
