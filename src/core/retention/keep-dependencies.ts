// The second half of a retention pass over methods whose backups depend on each other (pgBackRest's
// full <- diff <- incr): the rules of each group decided alone; a backup they would expire that a kept backup
// needs, directly or through others, is kept too (verdict KeptNeededByKept), across groups: a daily diff
// definition's kept diff keeps the weekly full definition's full. Pure; the dependencies come from the runs'
// recorded facts (MethodRules.retention).
import { neededByKept, type BackupDependency } from '../methods/retention-dependencies.js';
import type { GroupSelection } from './decision-list.js';
import { uuidAt } from './run-columns.js';
import { isKept, Verdict } from './verdicts.js';

/** Changes verdicts in place; returns the groups with their expiring counts corrected. */
export function keepDependencies(groups: readonly GroupSelection[], dependencies: readonly BackupDependency[]): GroupSelection[] {
  if (dependencies.length === 0) return [...groups];
  const expiring = new Set<string>();
  const involved = new Set<string>();
  for (const d of dependencies) { involved.add(d.backup); involved.add(d.needs); }
  for (const { selection } of groups) {
    if (selection.expiring === 0) continue;
    const { runs, verdicts } = selection;
    for (let i = 0; i < verdicts.length; i++) {
      if (isKept(verdicts[i]!)) continue;
      const id = uuidAt(runs, i);
      if (involved.has(id)) expiring.add(id);
    }
  }
  // A dependency whose backup is not in any group (another server's, or gone) counts as kept: it is not expiring.
  const needed = neededByKept(expiring, dependencies);
  if (needed.size === 0) return [...groups];
  return groups.map((g) => {
    const { runs, verdicts } = g.selection;
    let kept = 0;
    for (let i = 0; i < verdicts.length; i++) {
      if (isKept(verdicts[i]!) || verdicts[i] === Verdict.ExpiredFinishing) continue;
      if (needed.has(uuidAt(runs, i))) {
        verdicts[i] = Verdict.KeptNeededByKept;
        kept++;
      }
    }
    return kept === 0 ? g : { ...g, selection: { ...g.selection, expiring: g.selection.expiring - kept } };
  });
}
