// Retention pass over one backup server's runs: decide (pure selectRetention), then expire crash-safely:
// tombstone the rows (status `expiring`), remove the files, delete the rows. A crash between steps leaves
// tombstones that the next pass finishes; a row never points at files that nobody will clean up.
import { rm } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import type { RunStore } from '../adapters/catalog/run-store.js';
import type { Logger } from '../adapters/logger.js';
import type { BackupServerSpec, BackupSpec, RetentionSpec } from '../core/model.js';
import type { ActualObject } from '../core/plan/plan-catalog.js';
import { decisionsOf, expiringIdsOf, type GroupSelection, type RetentionDecision } from '../core/retention/decision-list.js';
import { selectForcedRemoval } from '../core/retention/force.js';
import { retentionCannotJudge } from '../core/retention/method-guard.js';
import { keepDependencies } from '../core/retention/keep-dependencies.js';
import { isBackupMethod, methodRulesOf } from '../core/methods/registry.js';
import type { BackupDependency } from '../core/methods/retention-dependencies.js';
import type { BackupMethodName } from '../core/model.js';
import { selectRetention } from '../core/retention/select.js';
import type { RetentionSelection } from '../core/retention/verdicts.js';
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

const REMOVED_NOTE = 'definition removed from the configuration: last retention applies';
/**
 * Runs expired per round of tombstone, remove files, delete rows: bounds the statements (a forced removal
 * can expire a million runs) and leaves at most one round of tombstones for the next pass after a crash.
 */
const EXPIRE_BATCH = 5_000;

export async function pruneServer(runs: RunStore, logger: Logger, request: PruneRequest): Promise<PruneOutcome> {
  const policies = currentPolicies(request.objects);
  const groups: GroupSelection[] = [];
  const warnings: string[] = [];
  let total = 0;
  let expiring = 0;
  const groupsMethods: string[] = [];
  for (const group of await runs.retentionGroups(request.server, (definition) => !policies.has(definition))) {
    groupsMethods.push(...group.otherMethods);
    const cannot = retentionCannotJudge(group.otherMethods);
    if (cannot !== null) {
      warnings.push(`${group.definition}/${group.database ?? '(cluster)'}: ${cannot}; keeping its ${group.runs.count} run(s)`);
      continue;
    }
    const current = policies.get(group.definition);
    // A Snapshot's runs carry their own fixed-age retention: neither a removed definition nor force-removed
    // (removing the Snapshot object does not shorten its backups' keepFor).
    const snapshot = !current && group.lastRetention?.expireAfter !== undefined;
    const removed = !current && !snapshot;
    const retention = current?.retention ?? group.lastRetention;
    let selection: RetentionSelection;
    if (removed && request.forceRemoved) selection = selectForcedRemoval(group.runs);
    else if (retention) selection = selectRetention(group.runs, retention, current?.timezone ?? group.lastTimezone ?? 'UTC', request.now);
    else {
      warnings.push(`${group.definition}/${group.database ?? '(cluster)'}: no retention known for a removed definition; keeping its ${group.runs.count} run(s) (use --force to remove them)`);
      continue;
    }
    groups.push({ definition: group.definition, database: group.database, selection, note: removed && !request.forceRemoved ? REMOVED_NOTE : null });
    total += group.runs.count;
    expiring += selection.expiring;
  }

  // A backup a kept one was taken against stays (pgBackRest chains): across groups, from the runs' facts.
  const chainedMethods = [...new Set(groupsMethods)].filter((m) => isBackupMethod(m) && methodRulesOf(m).retention.kind === 'chained');
  let judged = groups;
  if (chainedMethods.length > 0) {
    const dependencies: BackupDependency[] = [];
    const facts = await runs.chainedRunFacts(request.server, chainedMethods);
    for (const method of chainedMethods) {
      const rules = methodRulesOf(method as BackupMethodName).retention;
      if (rules.kind === 'chained') dependencies.push(...rules.dependencies(facts.filter((f) => f.method === method)));
    }
    judged = keepDependencies(groups, dependencies);
    expiring = judged.reduce((n, g) => n + g.selection.expiring, 0);
  }
  const expiringIds = expiring > 0 ? expiringIdsOf(judged) : [];
  const expired = !request.dryRun && expiring > 0 ? await expire(runs, logger, request, expiringIds) : 0;
  const wal = await pruneWalArchives(runs, logger, {
    nodes: archivedNodesOfServer(request.objects, request.server), backupRoot: resolveRoot(request), dryRun: request.dryRun, expiringRunIds: new Set(expiringIds),
  });
  return { groups: judged, decisions: { [Symbol.iterator]: () => decisionsOf(judged) }, expiring, expired, kept: total - expiring, warnings, wal };
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
