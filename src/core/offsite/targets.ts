// Where a backup's off-site copies go: its own `offsite` list, else its server's (docs/offsite.md). Each
// target is resolved to its store's spec and its Retention's rules, so a job carries all it needs.
import type { BackupServerSpec, ObjectStoreSpec, OffsiteTarget, RetentionSpec } from '../model.js';

export interface ResolvedTarget {
  store: string;
  storeSpec: ObjectStoreSpec;
  retentionName: string;
  retention: RetentionSpec;
}

/** The list that applies: the definition's own (even `[]`, which copies nothing), else the server's default. */
export function offsiteTargetsOf(spec: { offsite?: readonly OffsiteTarget[] }, server: Pick<BackupServerSpec, 'offsite'> | null | undefined): readonly OffsiteTarget[] {
  return spec.offsite ?? server?.offsite ?? [];
}

/**
 * Targets with their store and retention. A name that does not resolve (validation refuses such a
 * configuration, so only a catalog written by hand has one) is left out and reported through `missing`.
 */
export function resolveTargets(
  targets: readonly OffsiteTarget[],
  stores: ReadonlyMap<string, ObjectStoreSpec>,
  retentions: ReadonlyMap<string, RetentionSpec>,
  missing: (message: string) => void = () => undefined,
): ResolvedTarget[] {
  const out: ResolvedTarget[] = [];
  for (const t of targets) {
    const storeSpec = stores.get(t.store);
    const retention = retentions.get(t.retention);
    if (!storeSpec || !retention) {
      missing(`offsite target ${t.store} (retention ${t.retention}): ${!storeSpec ? `ObjectStore ${t.store}` : `Retention ${t.retention}`} is not in the catalog`);
      continue;
    }
    out.push({ store: t.store, storeSpec, retentionName: t.retention, retention });
  }
  return out;
}

/**
 * How long a failed copy waits before maintain tries again: 5 minutes after the first failure, doubling with
 * each attempt, at most a day (a store down for a weekend is retried daily, not every quarter hour).
 */
export function retryDelayMs(attempts: number): number {
  const base = 5 * 60_000;
  const max = 24 * 3_600_000;
  return Math.min(max, base * 2 ** Math.max(0, Math.min(attempts - 1, 20)));
}
