// Remote retention: which off-site copies each store keeps, decided by the same engine and explained in the
// same words as local retention (src/core/retention), per store, definition and database; then expired
// crash-safely: tombstone the rows (`expiring`), delete the store's objects (the marker first, so a copy
// half-deleted never looks complete), mark the rows `expired` (kept as history). A crash between steps leaves
// tombstones the next pass finishes. Local and remote retention are independent: each judges its own copies.
//
// Copies still to be made (pending, failed) are not judged: they hold no complete copy to keep or remove, and
// are counted like runs in progress (never expired, never the reason something else expires).
import type { Catalog } from '../../adapters/catalog/catalog.js';
import type { OffsiteCopy } from '../../adapters/catalog/offsite-store.js';
import type { Logger } from '../../adapters/logger.js';
import type { S3ObjectStore } from '../../adapters/objectstore/s3-store.js';
import type { ObjectStoreSpec, RetentionSpec } from '../../core/model.js';
import type { ResolvedTarget } from '../../core/offsite/targets.js';
import { decisionsOf, expiringIdsOf, type GroupSelection, type RetentionDecision } from '../../core/retention/decision-list.js';
import { runColumnsOf } from '../../core/retention/run-columns.js';
import { selectRetention } from '../../core/retention/select.js';
import type { RunStatus } from '../../core/runs/run-record.js';
import { COPY_MARKER } from './copy-layout.js';

export interface RemotePruneRequest {
  server: string;
  stores: ReadonlyMap<string, ObjectStoreSpec>;
  /** Current targets per definition: their retention applies; a copy no target names any more keeps its recorded one. */
  targetsByDefinition: ReadonlyMap<string, readonly ResolvedTarget[]>;
  /** Current time zone per definition. */
  timezones: ReadonlyMap<string, string>;
  dryRun: boolean;
  now: number;
}

export interface StoreGroupSelection extends GroupSelection {
  store: string;
}

export interface RemotePruneOutcome {
  groups: StoreGroupSelection[];
  /** Every decision with its store, made one at a time while iterated. */
  decisions: Iterable<RetentionDecision & { store: string }>;
  expiring: number;
  expired: number;
  kept: number;
  warnings: string[];
}

const STATE_AS_STATUS: Readonly<Record<OffsiteCopy['state'], RunStatus>> = {
  copied: 'succeeded', expiring: 'expiring', pending: 'running', failed: 'running', expired: 'expiring',
};

export async function pruneRemote(catalog: Catalog, logger: Logger, request: RemotePruneRequest): Promise<RemotePruneOutcome> {
  const groups: StoreGroupSelection[] = [];
  const byKey = new Map<string, OffsiteCopy>();
  const grouped = new Map<string, OffsiteCopy[]>();
  for (const copy of await catalog.offsite.retentionCopies(request.server)) {
    byKey.set(`${copy.runId}\u0000${copy.store}`, copy);
    const key = `${copy.store}\u0000${copy.definition}\u0000${copy.database ?? ''}`;
    grouped.set(key, [...(grouped.get(key) ?? []), copy]);
  }
  let total = 0;
  for (const copies of grouped.values()) {
    const first = copies[0]!;
    const current = request.targetsByDefinition.get(first.definition)?.find((t) => t.store === first.store);
    // The newest copy's recorded retention stands in for a definition (or a target) no longer configured.
    const retention: RetentionSpec = current?.retention ?? newestOf(copies).retention;
    const timezone = request.timezones.get(first.definition) ?? newestOf(copies).timezone;
    const runs = runColumnsOf(copies.map((c) => ({ id: c.runId, startedAt: c.runStartedAt.getTime(), status: STATE_AS_STATUS[c.state] })));
    const selection = selectRetention(runs, retention, timezone, request.now);
    const note = current ? null : `store ${first.store} is not an offsite target of ${first.definition} any more: the retention recorded with its copies applies`;
    groups.push({ store: first.store, definition: first.definition, database: first.database, selection, note });
    total += copies.length;
  }
  const expiring = groups.reduce((n, g) => n + g.selection.expiring, 0);
  const warnings: string[] = [];
  let expired = 0;
  if (!request.dryRun && expiring > 0) {
    const keys = groups.flatMap((g) => expiringIdsOf([g]).map((runId) => ({ runId, store: g.store })));
    expired = await expire(catalog, logger, request, keys, warnings);
  }
  return {
    groups,
    decisions: { *[Symbol.iterator]() { for (const g of groups) for (const d of decisionsOf([g])) yield { ...d, store: g.store }; } },
    expiring, expired, kept: total - expiring, warnings,
  };
}

async function expire(
  catalog: Catalog, logger: Logger, request: RemotePruneRequest, keys: ReadonlyArray<{ runId: string; store: string }>, warnings: string[],
): Promise<number> {
  const tombstoned = await catalog.offsite.markExpiring(keys);
  const { S3ObjectStore } = await import('../../adapters/objectstore/s3-store.js');
  const open = new Map<string, S3ObjectStore>();
  let expired = 0;
  try {
    for (const copy of tombstoned) {
      const spec = request.stores.get(copy.store);
      if (!spec) {
        warnings.push(`copy of ${copy.runId} in ${copy.store}: the ObjectStore is not in the configuration; its objects stay, the copy stays tombstoned`);
        continue;
      }
      try {
        if (!open.has(copy.store)) open.set(copy.store, await S3ObjectStore.open(copy.store, spec));
        const objects = copy.objects ?? [];
        // The marker goes first: what remains of a copy whose deletion is interrupted is not a complete copy.
        await open.get(copy.store)!.deleteKeys([copy.keyPrefix + COPY_MARKER]);
        await open.get(copy.store)!.deleteKeys(objects.map((o) => o.key));
        await catalog.offsite.markExpired(copy);
        expired++;
      } catch (err) {
        logger.warn({ run: copy.runId, store: copy.store, err: (err as Error).message }, 'removing an expired off-site copy failed; the next maintain finishes it');
        warnings.push(`copy of ${copy.runId} in ${copy.store}: ${(err as Error).message}; the next maintain finishes its removal`);
      }
    }
  } finally {
    for (const s of open.values()) s.close();
  }
  return expired;
}

function newestOf(copies: readonly OffsiteCopy[]): OffsiteCopy {
  return copies.reduce((a, b) => (b.runStartedAt > a.runStartedAt ? b : a));
}
