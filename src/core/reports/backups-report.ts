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
  /** False when the local files are gone (local retention removed them; only off-site copies remain). */
  local?: boolean;
  /** Its off-site copies (docs/offsite.md). */
  copies?: ReadonlyArray<{ store: string; state: string; copiedAt: number | null; failureReason: string | null }>;
}

export interface CopyItem {
  store: string;
  /** pending, copied, failed, expiring, expired. */
  state: string;
  copied_at: string | null;
  failure_reason: string | null;
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
  /** Where it lives: `local` (a succeeded backup whose run row is still in the catalog: its files on the backup server) and each off-site copy with its state. */
  locations: { local: boolean; copies: CopyItem[] };
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
      locations: {
        local: r.local ?? r.status === 'succeeded',
        copies: (r.copies ?? []).map((c) => ({
          store: c.store, state: c.state, copied_at: c.copiedAt === null ? null : new Date(c.copiedAt).toISOString(), failure_reason: c.failureReason,
        })),
      },
    };
  });
}

export function renderBackupsText(items: readonly BackupReportItem[]): string {
  if (items.length === 0) return 'No backups match.\n';
  // The column appears once off-site copies exist: a catalog without them reads as it always has.
  const withCopies = items.some((i) => i.locations.copies.length > 0);
  const rows = items.map((i) => [
    i.id.slice(0, 8),
    i.definition,
    i.database === null ? '(cluster)' : cellName(i.database),
    formatTime(Date.parse(i.started_at)),
    formatDuration(i.duration_ms),
    formatBytes(i.bytes),
    i.failure_reason ? `${i.status} (${i.failure_reason})` : i.status,
    i.expires_at === null ? '-' : i.expires_at === 'now' ? 'now' : `${i.expires_at_earliest ? '>= ' : ''}${formatTime(Date.parse(i.expires_at))}`,
    ...(withCopies ? [locationsText(i)] : []),
  ]);
  const lines = renderTable(['ID', 'DEFINITION', 'DATABASE', 'STARTED', 'DURATION', 'SIZE', 'STATUS', 'EXPIRES', ...(withCopies ? ['WHERE'] : [])], rows);
  lines.push('', `${items.length} backup(s). Ids are shown by their first 8 characters; any unique prefix works with show, verify and restore.`);
  return `${lines.join('\n')}\n`;
}

/** "local, offsite-eu (copied)": the local files when present, then each copy with its state. */
export function locationsText(i: Pick<BackupReportItem, 'locations'>): string {
  const parts = [...(i.locations.local ? ['local'] : []), ...i.locations.copies.map((c) => `${c.store} (${c.state})`)];
  return parts.length === 0 ? '-' : parts.join(', ');
}
