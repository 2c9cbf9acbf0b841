// Does a restore plan still hold? Pure.
//
// A restore plans without holding anything (the plan is printed, and may wait for a confirmation), then takes
// the lock of its target databases and plans again from what the target holds now. Only if the second plan
// passes every check and does exactly what the first one said may the restore go ahead: otherwise another
// restore (which held the lock meanwhile) or someone else changed the target, and the restore is refused
// before it changes anything.
import type { RestorePlan } from './restore-plan.js';

/** Why `current` (planned again under the lock) differs from `planned`; empty when it does not. */
export function changesSincePlan(planned: RestorePlan, current: RestorePlan): string[] {
  if (current.refusals.length > 0) return current.refusals;
  const changes: string[] = [];
  const names = (list: readonly string[]) => (list.length === 0 ? 'none' : list.map((n) => JSON.stringify(n)).join(', '));
  const compare = (what: string, was: readonly string[], now: readonly string[]) => {
    if (was.length !== now.length || was.some((n, i) => n !== now[i])) changes.push(`${what}: now ${names(now)} (planned: ${names(was)})`);
  };
  compare('databases to rename', planned.renames.map((r) => `${r.from} -> ${r.to}`), current.renames.map((r) => `${r.from} -> ${r.to}`));
  compare('databases to create', planned.databasesToCreate, current.databasesToCreate);
  compare('roles to create', planned.rolesToCreate, current.rolesToCreate);
  compare('roles reused', planned.rolesReused, current.rolesReused);
  compare('bootstrap superuser mapped', planned.bootstrapMapped === null ? [] : [planned.bootstrapMapped], current.bootstrapMapped === null ? [] : [current.bootstrapMapped]);
  return changes;
}
