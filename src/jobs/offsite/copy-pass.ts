// Making off-site copies: `run` asks for the copies of the backups it just took and makes them at once;
// `maintain` asks for those nobody asked for yet (runs recorded through the spool, Snapshots, backups kept
// when a store was added) and retries pending and failed ones past their backoff. Each attempt claims its
// copies in the catalog, so a `run` and a `maintain` never upload the same copy at once, and a copy whose
// claimer died (kill -9 mid-upload) is taken over by the next maintain.
import { hostname } from 'node:os';
import type { Catalog } from '../../adapters/catalog/catalog.js';
import type { OffsiteCopy } from '../../adapters/catalog/offsite-store.js';
import type { Logger } from '../../adapters/logger.js';
import type { S3ObjectStore as Store } from '../../adapters/objectstore/s3-store.js';
import { executorId, isProcessAlive } from '../../adapters/os/process-alive.js';
import type { ObjectStoreSpec, RetentionSpec } from '../../core/model.js';
import { retryDelayMs, type ResolvedTarget } from '../../core/offsite/targets.js';
import type { RunRecord } from '../../core/runs/run-record.js';
import { copyKeyPrefix } from './copy-layout.js';

export interface CopyReport {
  runId: string;
  store: string;
  state: 'copied' | 'failed';
  bytes: number;
  /** Why it failed (null when copied). */
  reason: string | null;
  verifiedBy: 'checksum' | 'read-back' | null;
}

/** Records copies to make of these runs (the succeeded ones) in each target store. */
export async function requestCopies(catalog: Catalog, runs: readonly RunRecord[], targets: readonly ResolvedTarget[]): Promise<number> {
  const copies = runs.filter((r) => r.status === 'succeeded').flatMap((run) => targets.map((t) => ({
    run, store: t.store, keyPrefix: copyKeyPrefix(t.storeSpec.prefix, run), retention: t.retention,
  })));
  return catalog.offsite.addPending(copies);
}

/** Requests the copies of a server's succeeded runs that its targets want and nobody asked for yet. */
export async function requestMissingCopies(
  catalog: Catalog, server: string, targetsByDefinition: ReadonlyMap<string, readonly ResolvedTarget[]>,
): Promise<number> {
  const wanted = [...targetsByDefinition].flatMap(([definition, targets]) => targets.map((t) => ({ definition, store: t.store })));
  const missing = await catalog.offsite.runsWithoutCopy(server, wanted);
  const byKey = new Map<string, ResolvedTarget>();
  for (const [definition, targets] of targetsByDefinition) for (const t of targets) byKey.set(`${definition}\u0000${t.store}`, t);
  const copies = missing.flatMap(({ store, run }) => {
    const t = byKey.get(`${run.definition}\u0000${store}`);
    return t ? [{ run, store, keyPrefix: copyKeyPrefix(t.storeSpec.prefix, run), retention: t.retention as RetentionSpec }] : [];
  });
  return catalog.offsite.addPending(copies);
}

/**
 * Makes the due copies of a server (or only those of `runIds`, due or not: `run` copying what it just took).
 * One store client per store; a failure is recorded on its copy with a retry time and the pass goes on.
 */
export async function makeCopies(
  catalog: Catalog, logger: Logger,
  request: { server: string; stores: ReadonlyMap<string, ObjectStoreSpec>; runIds?: readonly string[] },
): Promise<CopyReport[]> {
  const here = hostname();
  const isDead = (claimedBy: string) => claimedBy.startsWith(`${here}:`) && !isProcessAlive(Number(claimedBy.slice(here.length + 1)));
  const claimed = await catalog.offsite.claimDue(request.server, executorId(here), isDead, request.runIds ? { runIds: request.runIds } : {});
  if (claimed.length === 0) return [];
  // Loaded only when there is something to copy: a run without off-site copies never loads the AWS SDK.
  const { S3ObjectStore } = await import('../../adapters/objectstore/s3-store.js');
  const { copyRunFiles } = await import('./copy-run.js');
  const open = new Map<string, Promise<Store>>();
  const reports: CopyReport[] = [];
  try {
    for (const copy of claimed) {
      try {
        const spec = request.stores.get(copy.store);
        if (!spec) throw new Error(`ObjectStore ${copy.store} is not in the configuration any more`);
        if (!open.has(copy.store)) open.set(copy.store, S3ObjectStore.open(copy.store, spec));
        const store = await open.get(copy.store)!;
        const result = await copyRunFiles(store, copy.run, copy.keyPrefix);
        await catalog.offsite.markCopied(copy, result.objects, result.verifiedBy);
        const bytes = result.objects.reduce((n, o) => n + o.bytes, 0);
        logger.info({ run: copy.runId, store: copy.store, objects: result.objects.length, bytes, verifiedBy: result.verifiedBy }, 'off-site copy made');
        reports.push({ runId: copy.runId, store: copy.store, state: 'copied', bytes, reason: null, verifiedBy: result.verifiedBy });
      } catch (err) {
        const reason = (err as Error).message;
        const retryIn = retryDelayMs(copy.attempts);
        await catalog.offsite.markFailed(copy, reason, retryIn);
        logger.warn({ run: copy.runId, store: copy.store, attempts: copy.attempts, retryInMs: retryIn, err: reason }, 'off-site copy failed; maintain retries it');
        reports.push({ runId: copy.runId, store: copy.store, state: 'failed', bytes: 0, reason, verifiedBy: null });
      }
    }
  } finally {
    for (const store of open.values()) await store.then((s) => s.close(), () => undefined);
  }
  return reports;
}

export type { OffsiteCopy };
