// Dependencies between backups, for retention: what a kept backup needs may not expire with it. An
// incremental needs the backup it was taken against (pgBackRest's `prior`: an incr its diff or full, a diff
// its full), a base backup the WAL from its start LSN for point-in-time recovery. Logical backups restore on
// their own: retention's rules decide alone, and no recorded facts are read for them.

/** `backup` cannot be restored without `needs`. */
export interface BackupDependency {
  backup: string;
  needs: string;
}

export type RetentionDependencies =
  /** Every backup restores on its own (logical). */
  | { readonly kind: 'standalone' }
  /** Backups form chains; `dependencies` says which from what each run recorded (method_facts). */
  | { readonly kind: 'chained'; dependencies(runs: ReadonlyArray<{ id: string; facts: unknown }>): BackupDependency[] };

/**
 * Of the backups retention would expire, those a kept backup needs, directly or through other needed
 * backups: they must be kept too. A full that a kept incremental was taken against stays as long as it does.
 */
export function neededByKept(expiring: ReadonlySet<string>, dependencies: Iterable<BackupDependency>): Set<string> {
  const needs = new Map<string, string[]>();
  for (const d of dependencies) {
    const list = needs.get(d.backup);
    if (list) list.push(d.needs);
    else needs.set(d.backup, [d.needs]);
  }
  const needed = new Set<string>();
  // Walk from every kept backup; an expiring backup reached this way is kept, and what it needs in turn.
  const stack = [...needs.keys()].filter((id) => !expiring.has(id));
  while (stack.length > 0) {
    for (const prior of needs.get(stack.pop()!) ?? []) {
      if (!expiring.has(prior) || needed.has(prior)) continue;
      needed.add(prior);
      stack.push(prior);
    }
  }
  return needed;
}
