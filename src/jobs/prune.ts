// Retention pass over one backup server's runs: decide (pure selectRetention), then expire crash-safely:
// tombstone the rows (status `expiring`), remove the files, delete the rows. A crash between steps leaves
// tombstones that the next pass finishes; a row never points at files that nobody will clean up.
import { rm } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import type { RunStore } from '../adapters/catalog/run-store.js';
import type { Logger } from '../adapters/logger.js';
import type { BackupServerSpec, BackupSpec, RetentionSpec } from '../core/model.js';
import type { ActualObject } from '../core/plan/plan-catalog.js';
import { selectRetention } from '../core/retention/select.js';

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

export interface PruneDecision {
  id: string;
  definition: string;
  database: string | null;
  /** Epoch milliseconds (rendered by the caller: formatting a million dates is not free). */
  startedAt: number;
  status: string;
  keep: boolean;
  reasons: string[];
}

export interface PruneOutcome {
  decisions: PruneDecision[];
  expired: number;
  kept: number;
  /** Groups skipped because no retention is known for them. */
  warnings: string[];
}

const FORCED = ['definition removed; --force expires all its backups'];
const RUNNING = ['running'];
const REMOVED_NOTE = 'definition removed from the configuration: last retention applies';

export async function pruneServer(runs: RunStore, logger: Logger, request: PruneRequest): Promise<PruneOutcome> {
  const policies = currentPolicies(request.objects);
  const decisions: PruneDecision[] = [];
  const warnings: string[] = [];
  for (const group of await runs.retentionGroups(request.server, (definition) => !policies.has(definition))) {
    const current = policies.get(group.definition);
    const removed = !current;
    const candidates = group.ids.map((id, i) => ({ id, startedAt: group.startedAt[i]!, status: group.statuses[i]! }));
    let groupDecisions: Array<{ id: string; keep: boolean; reasons: string[] }>;
    if (removed && request.forceRemoved) {
      groupDecisions = candidates.map((c) => (c.status === 'running' ? { id: c.id, keep: true, reasons: RUNNING } : { id: c.id, keep: false, reasons: FORCED }));
    } else {
      const retention = current?.retention ?? group.lastRetention;
      if (!retention) {
        warnings.push(`${group.definition}/${group.database ?? '(cluster)'}: no retention known for a removed definition; keeping its ${candidates.length} run(s) (use --force to remove them)`);
        continue;
      }
      groupDecisions = selectRetention(candidates, retention, current?.timezone ?? group.lastTimezone ?? 'UTC', request.now);
      if (removed) groupDecisions = groupDecisions.map((d) => ({ ...d, reasons: [...d.reasons, REMOVED_NOTE] }));
    }
    groupDecisions.forEach((d, i) => {
      decisions.push({ id: d.id, definition: group.definition, database: group.database, startedAt: candidates[i]!.startedAt, status: candidates[i]!.status, keep: d.keep, reasons: d.reasons });
    });
  }

  const toExpire = decisions.filter((d) => !d.keep).map((d) => d.id);
  const expired = !request.dryRun && toExpire.length > 0 ? await expire(runs, logger, request, toExpire) : 0;
  return { decisions, expired, kept: decisions.length - toExpire.length, warnings };
}

async function expire(runs: RunStore, logger: Logger, request: PruneRequest, ids: string[]): Promise<number> {
  const backupRoot = resolveRoot(request);
  const removable: string[] = [];
  for (const { id, directory } of await runs.markExpiring(ids)) {
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
  return runs.deleteExpired(removable);
}

function currentPolicies(objects: readonly ActualObject[]): Map<string, { retention: RetentionSpec | null; timezone: string }> {
  const retentions = new Map<string, RetentionSpec>();
  for (const o of objects) if (o.kind === 'Retention') retentions.set(o.name, o.spec as RetentionSpec);
  const out = new Map<string, { retention: RetentionSpec | null; timezone: string }>();
  for (const o of objects) {
    if (o.kind !== 'Backup') continue;
    const spec = o.spec as BackupSpec;
    out.set(o.name, { retention: typeof spec.retention === 'string' ? retentions.get(spec.retention) ?? null : spec.retention, timezone: spec.timezone });
  }
  return out;
}

function resolveRoot(request: PruneRequest): string {
  const root = request.serverSpec.backupRoot;
  return isAbsolute(root) ? root : resolve(request.stateDir, root);
}

function isInside(path: string, root: string): boolean {
  return resolve(path).startsWith(resolve(root) + sep);
}
