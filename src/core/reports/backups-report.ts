// `pgbackops backups`: the catalog's backups, newest first. Pure: rows and the clock come in.
import type { RetentionSpec } from '../model.js';
import { expiryOf } from './expiry.js';
import { cellName, formatBytes, formatDuration, formatTime, renderTable } from './format.js';

export interface BackupReportRow {
  id: string;
  definition: string;
  node: string;
  database: string | null;
  backupType: string | null;
  format: string | null;
  status: string;
  startedAt: number;
  finishedAt: number | null;
  bytes: number | null;
  failureReason: string | null;
  retention: RetentionSpec | null;
  /** The timezone recorded with the run (null for runs recorded before it was). */
  timezone: string | null;
  /** The method that took it, and what it recorded of its own (null for logical runs). */
  method?: string;
  methodFacts?: Record<string, unknown> | null;
}

export interface BackupReportItem {
  id: string;
  definition: string;
  node: string;
  database: string | null;
  type: string | null;
  format: string | null;
  status: string;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  bytes: number | null;
  /** ISO time, "now" (being expired), or null when retention cannot tell in advance. */
  expires_at: string | null;
  /** True when expires_at is the earliest possible time (keepWithin counts from the newest backup; the newest failure stays while it is the newest). */
  expires_at_earliest: boolean;
  failure_reason: string | null;
  /** The method that took it: absent for a logical backup (the default, and what reports showed before methods). */
  method?: string;
  /** What the method recorded besides the shared fields (a base backup's WAL range, a pgBackRest backup's label, type, prior, LSNs...). */
  method_facts?: Record<string, unknown> | null;
}

export function backupReportItems(rows: readonly BackupReportRow[]): BackupReportItem[] {
  return rows.map((r) => {
    const expiry = expiryOf({ status: r.status, startedAt: r.startedAt, retention: r.retention, timeZone: r.timezone ?? 'UTC' });
    return {
      id: r.id, definition: r.definition, node: r.node, database: r.database, type: r.backupType, format: r.format, status: r.status,
      started_at: new Date(r.startedAt).toISOString(),
      finished_at: r.finishedAt === null ? null : new Date(r.finishedAt).toISOString(),
      duration_ms: r.finishedAt === null ? null : r.finishedAt - r.startedAt,
      bytes: r.bytes,
      expires_at: expiry.kind === 'at' ? new Date(expiry.at).toISOString() : expiry.kind === 'now' ? 'now' : null,
      expires_at_earliest: expiry.kind === 'at' && expiry.earliest,
      failure_reason: r.failureReason,
      ...(r.method !== undefined && r.method !== 'logical' ? { method: r.method, method_facts: r.methodFacts ?? null } : {}),
    };
  });
}

export function renderBackupsText(items: readonly BackupReportItem[]): string {
  if (items.length === 0) return 'No backups match.\n';
  const rows = items.map((i) => [
    i.id.slice(0, 8),
    i.definition,
    i.database === null ? '(cluster)' : cellName(i.database),
    formatTime(Date.parse(i.started_at)),
    formatDuration(i.duration_ms),
    formatBytes(i.bytes),
    i.failure_reason ? `${i.status} (${i.failure_reason})` : i.status,
    i.expires_at === null ? '-' : i.expires_at === 'now' ? 'now' : `${i.expires_at_earliest ? '>= ' : ''}${formatTime(Date.parse(i.expires_at))}`,
  ]);
  const lines = renderTable(['ID', 'DEFINITION', 'DATABASE', 'STARTED', 'DURATION', 'SIZE', 'STATUS', 'EXPIRES'], rows);
  lines.push('', `${items.length} backup(s). Ids are shown by their first 8 characters; any unique prefix works with show, verify and restore.`);
  return `${lines.join('\n')}\n`;
}
