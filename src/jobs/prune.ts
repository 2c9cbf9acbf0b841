// Retention pass over one backup server's runs: decide (pure judgeServerRuns), then expire crash-safely:
// tombstone the rows (status `expiring`), remove the files, delete the rows. A crash between steps leaves
// tombstones that the next pass finishes; a row never points at files that nobody will clean up.
import { rm } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import type { RunStore } from '../adapters/catalog/run-store.js';
import type { Logger } from '../adapters/logger.js';
import type { BackupServerSpec } from '../core/model.js';
import type { ActualObject } from '../core/objects.js';
import { decisionsOf, expiringIdsOf, type GroupSelection, type RetentionDecision } from '../core/retention/decision-list.js';
import { chainedMethodsOf, currentPolicies, judgeServerRuns, keepChainedBackups } from '../core/retention/server-pass.js';
import { archivedNodesOfServer } from '../core/wal/archived-nodes.js';
import { pruneWalArchives, type WalPruneOutcome } from './wal-prune.js';

export interface PruneRequest {
  server: string;
  serverSpec: BackupServerSpec;
  stateDir: string;
  /** Catalog objects (for the current retention of existing definitions). */
  objects: readonly ActualObject[];
  dryRun: boolean;
  /** Also remove every backup of definitions no longer in the catalog (PgBackMan's force deletion). */
  forceRemoved: boolean;
  now: number;
}

export type PruneDecision = RetentionDecision;

export interface PruneOutcome {
  /** What retention decided, per definition and database, in compact form (see decisionsOf). */
  groups: GroupSelection[];
  /** Every decision, made one at a time while iterated: a pass can cover a million runs. */
  decisions: Iterable<PruneDecision>;
  /** Runs retention expires (in a dry run: would expire). */
  expiring: number;
  /** Runs actually expired (0 in a dry run). */
  expired: number;
  kept: number;
  /** Groups skipped because no retention is known for them. */
  warnings: string[];
  /** WAL retention of the archives this server receives, after the backups' retention. */
  wal: WalPruneOutcome[];
}

/**
 * Runs expired per round of tombstone, remove files, delete rows: bounds the statements (a forced removal
 * can expire a million runs) and leaves at most one round of tombstones for the next pass after a crash.
 */
const EXPIRE_BATCH = 5_000;

export async function pruneServer(runs: RunStore, logger: Logger, request: PruneRequest): Promise<PruneOutcome> {
  const policies = currentPolicies(request.objects);
  const groups = await runs.retentionGroups(request.server, (definition) => !policies.has(definition));
  const alone = judgeServerRuns(groups, policies, { forceRemoved: request.forceRemoved, now: request.now });
  // A backup a kept one was taken against stays (pgBackRest chains): across groups, from the runs' facts.
  const chained = chainedMethodsOf(alone);
  const pass = chained.length > 0 ? keepChainedBackups(alone, await runs.chainedRunFacts(request.server, chained)) : alone;
  const expiringIds = pass.expiring > 0 ? expiringIdsOf(pass.groups) : [];
  const expired = !request.dryRun && pass.expiring > 0 ? await expire(runs, logger, request, expiringIds) : 0;
  const wal = await pruneWalArchives(runs, logger, {
    nodes: archivedNodesOfServer(request.objects, request.server), backupRoot: resolveRoot(request), dryRun: request.dryRun, expiringRunIds: new Set(expiringIds),
  });
  return {
    groups: pass.groups, decisions: { [Symbol.iterator]: () => decisionsOf(pass.groups) },
    expiring: pass.expiring, expired, kept: pass.total - pass.expiring, warnings: pass.warnings, wal,
  };
}

async function expire(runs: RunStore, logger: Logger, request: PruneRequest, ids: string[]): Promise<number> {
  const backupRoot = resolveRoot(request);
  let expired = 0;
  for (let start = 0; start < ids.length; start += EXPIRE_BATCH) {
    const removable: string[] = [];
    const marked = await runs.markExpiring(ids.slice(start, start + EXPIRE_BATCH));
    // Backups in a pgBackRest repository go through `pgbackrest expire --set` (newest first); a row whose
    // backup could not be expired stays tombstoned, and the next pass tries again.
    const inRepository = marked.filter((r) => r.method === 'pgbackrest');
    const expiredInRepository = new Set<string>();
    if (inRepository.length > 0) {
      const { expirePgbackrestBackups } = await import('../methods/pgbackrest/expire.js');
      const done = await expirePgbackrestBackups(request.stateDir, request.serverSpec, inRepository.map((r) => ({ id: r.id, facts: r.methodFacts })));
      for (const id of done.removed) expiredInRepository.add(id);
      for (const p of done.problems) logger.error({ problem: p }, 'a pgBackRest backup could not be expired; its row stays tombstoned for the next pass');
    }
    for (const { id, directory, method } of marked) {
      if (method === 'pgbackrest' && !expiredInRepository.has(id)) continue;
      if (directory) {
        // Defence in depth: only ever delete below this server's backup root, whatever a row says.
        if (!isInside(directory, backupRoot)) {
          logger.error({ run: id, directory, backupRoot }, 'refusing to remove a backup outside the backup root; the row stays tombstoned');
          continue;
        }
        await rm(directory, { recursive: true, force: true });
      }
      removable.push(id);
    }
    expired += await runs.deleteExpired(removable);
  }
  return expired;
}

function resolveRoot(request: PruneRequest): string {
  const root = request.serverSpec.backupRoot;
  return isAbsolute(root) ? root : resolve(request.stateDir, root);
}

function isInside(path: string, root: string): boolean {
  return resolve(path).startsWith(resolve(root) + sep);
}
