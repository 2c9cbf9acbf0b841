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
import { currentPolicies, judgeServerRuns } from '../core/retention/server-pass.js';

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
}

/**
 * Runs expired per round of tombstone, remove files, delete rows: bounds the statements (a forced removal
 * can expire a million runs) and leaves at most one round of tombstones for the next pass after a crash.
 */
const EXPIRE_BATCH = 5_000;

export async function pruneServer(runs: RunStore, logger: Logger, request: PruneRequest): Promise<PruneOutcome> {
  const policies = currentPolicies(request.objects);
  const groups = await runs.retentionGroups(request.server, (definition) => !policies.has(definition));
  const pass = judgeServerRuns(groups, policies, { forceRemoved: request.forceRemoved, now: request.now });
  const expired = !request.dryRun && pass.expiring > 0 ? await expire(runs, logger, request, expiringIdsOf(pass.groups)) : 0;
  return {
    groups: pass.groups, decisions: { [Symbol.iterator]: () => decisionsOf(pass.groups) },
    expiring: pass.expiring, expired, kept: pass.total - pass.expiring, warnings: pass.warnings,
  };
}

async function expire(runs: RunStore, logger: Logger, request: PruneRequest, ids: string[]): Promise<number> {
  const backupRoot = resolveRoot(request);
  let expired = 0;
  for (let start = 0; start < ids.length; start += EXPIRE_BATCH) {
    const removable: string[] = [];
    for (const { id, directory } of await runs.markExpiring(ids.slice(start, start + EXPIRE_BATCH))) {
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
