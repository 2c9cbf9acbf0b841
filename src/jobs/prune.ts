// Retention pass over one backup server's runs: decide (pure selectRetention), then expire crash-safely:
// tombstone the rows (status `expiring`), remove the files, delete the rows. A crash between steps leaves
// tombstones that the next pass finishes; a row never points at files that nobody will clean up.
import { rm } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import type { RunStore, RetentionRow } from '../adapters/catalog/run-store.js';
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
  startedAt: string;
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

export async function pruneServer(runs: RunStore, logger: Logger, request: PruneRequest): Promise<PruneOutcome> {
  const policies = currentPolicies(request.objects);
  const groups = new Map<string, RetentionRow[]>();
  for (const row of await runs.retentionRows(request.server)) {
    const key = `${row.definition}\u0000${row.database ?? ''}`;
    const list = groups.get(key);
    if (list) list.push(row);
    else groups.set(key, [row]);
  }

  const decisions: PruneDecision[] = [];
  const warnings: string[] = [];
  for (const rows of groups.values()) {
    const first = rows[0]!;
    const current = policies.get(first.definition);
    const removed = !current;
    let groupDecisions: Array<{ id: string; keep: boolean; reasons: string[] }>;
    if (removed && request.forceRemoved) {
      groupDecisions = rows.map((r) => ({ id: r.id, keep: r.status === 'running', reasons: r.status === 'running' ? ['running'] : ['definition removed; --force expires all its backups'] }));
    } else {
      const retention = current?.retention ?? newestKnownRetention(rows);
      const timezone = current?.timezone ?? rows.find((r) => r.timezone)?.timezone ?? 'UTC';
      if (!retention) {
        warnings.push(`${first.definition}/${first.database ?? '(cluster)'}: no retention known for a removed definition; keeping its ${rows.length} run(s) (use --force to remove them)`);
        continue;
      }
      groupDecisions = selectRetention(rows, retention, timezone, request.now);
      if (removed) groupDecisions.forEach((d) => d.reasons.push('definition removed from the configuration: last retention applies'));
    }
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const d of groupDecisions) {
      const row = byId.get(d.id)!;
      decisions.push({ id: d.id, definition: row.definition, database: row.database, startedAt: new Date(row.startedAt).toISOString(), status: row.status, keep: d.keep, reasons: d.reasons });
    }
  }

  const toExpire = decisions.filter((d) => !d.keep).map((d) => d.id);
  let expired = 0;
  if (!request.dryRun && toExpire.length > 0) {
    expired = await expire(runs, logger, request, toExpire, groupsById(groups));
  }
  return { decisions, expired, kept: decisions.length - toExpire.length, warnings };
}

async function expire(runs: RunStore, logger: Logger, request: PruneRequest, ids: string[], rows: Map<string, RetentionRow>): Promise<number> {
  const backupRoot = resolveRoot(request);
  const marked = await runs.markExpiring(ids);
  const removable: string[] = [];
  for (const id of marked) {
    const directory = rows.get(id)?.directory;
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

function newestKnownRetention(rows: readonly RetentionRow[]): RetentionSpec | null {
  let best: RetentionRow | undefined;
  for (const r of rows) if (r.retention && (!best || r.startedAt > best.startedAt)) best = r;
  return best?.retention ?? null;
}

function groupsById(groups: Map<string, RetentionRow[]>): Map<string, RetentionRow> {
  const out = new Map<string, RetentionRow>();
  for (const rows of groups.values()) for (const r of rows) out.set(r.id, r);
  return out;
}

function resolveRoot(request: PruneRequest): string {
  const root = request.serverSpec.backupRoot;
  return isAbsolute(root) ? root : resolve(request.stateDir, root);
}

function isInside(path: string, root: string): boolean {
  const normalised = resolve(path);
  return normalised.startsWith(resolve(root) + sep);
}
