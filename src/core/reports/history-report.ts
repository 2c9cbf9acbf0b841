// `pgbackops history`: applies (from apply_history) and restores (from restore_runs), newest first. Pure.
import { cellName, formatDuration, formatTime, renderTable } from './format.js';

export interface ApplyEntry {
  id: number;
  revision: string;
  actor: string;
  startedAt: number;
  finishedAt: number;
  summary: Record<string, number>;
  overrides: string[];
  versionBefore: number;
  versionAfter: number;
}

export interface RestoreEntry {
  id: string;
  purpose: string;
  backupRunId: string | null;
  definition: string | null;
  sourceDatabase: string | null;
  /** null: a restore into a directory (targetDir). */
  targetNode: string | null;
  targetDir: string | null;
  targetDatabase: string | null;
  renamedExistingTo: string | null;
  status: string;
  startedAt: number;
  finishedAt: number | null;
  failureReason: string | null;
  actor: string | null;
}

export interface HistoryReport {
  applies: Array<{
    id: number; revision: string; actor: string; started_at: string; finished_at: string; summary: Record<string, number>;
    overrides: string[]; catalog_version_before: number; catalog_version_after: number;
  }>;
  restores: Array<{
    id: string; purpose: string; backup_id: string | null; definition: string | null; source_database: string | null;
    target_node: string | null; target_dir: string | null; target_database: string | null; renamed_existing_to: string | null; status: string;
    started_at: string; duration_ms: number | null; failure_reason: string | null; actor: string | null;
  }>;
}

export function historyReport(applies: readonly ApplyEntry[], restores: readonly RestoreEntry[]): HistoryReport {
  return {
    applies: applies.map((a) => ({
      id: a.id, revision: a.revision, actor: a.actor, started_at: new Date(a.startedAt).toISOString(), finished_at: new Date(a.finishedAt).toISOString(),
      summary: a.summary, overrides: a.overrides, catalog_version_before: a.versionBefore, catalog_version_after: a.versionAfter,
    })),
    restores: restores.map((r) => ({
      id: r.id, purpose: r.purpose, backup_id: r.backupRunId, definition: r.definition, source_database: r.sourceDatabase,
      target_node: r.targetNode, target_dir: r.targetDir, target_database: r.targetDatabase, renamed_existing_to: r.renamedExistingTo, status: r.status,
      started_at: new Date(r.startedAt).toISOString(), duration_ms: r.finishedAt === null ? null : r.finishedAt - r.startedAt,
      failure_reason: r.failureReason, actor: r.actor,
    })),
  };
}

export function renderHistoryText(h: HistoryReport): string {
  const lines = ['Applies:'];
  if (h.applies.length === 0) lines.push('  none');
  else {
    const rows = h.applies.map((a) => [
      formatTime(Date.parse(a.started_at)),
      a.revision.slice(0, 12),
      a.actor,
      summaryText(a.summary),
      `v${a.catalog_version_before}->v${a.catalog_version_after}`,
      a.overrides.length > 0 ? a.overrides.join(',') : '-',
    ]);
    lines.push(...renderTable(['TIME', 'REVISION', 'WHO', 'CHANGES', 'CATALOG', 'OVERRIDES'], rows).map((l) => `  ${l}`));
  }
  lines.push('', 'Restores:');
  if (h.restores.length === 0) lines.push('  none');
  else {
    const rows = h.restores.map((r) => [
      formatTime(Date.parse(r.started_at)),
      r.purpose,
      r.backup_id === null ? '-' : r.backup_id.slice(0, 8),
      `${r.definition ?? '-'}/${r.source_database === null ? '(cluster)' : cellName(r.source_database)}`,
      r.target_node === null
        ? `dir ${cellName(r.target_dir ?? '-')}`
        : `${r.target_node}/${r.target_database === null ? '(cluster)' : cellName(r.target_database)}${r.renamed_existing_to ? ` (existing renamed to ${cellName(r.renamed_existing_to)})` : ''}`,
      formatDuration(r.duration_ms),
      r.failure_reason ? `${r.status}: ${oneLine(r.failure_reason)}` : r.status,
    ]);
    lines.push(...renderTable(['TIME', 'PURPOSE', 'BACKUP', 'FROM', 'TO', 'DURATION', 'STATUS'], rows).map((l) => `  ${l}`));
  }
  return `${lines.join('\n')}\n`;
}

function summaryText(summary: Record<string, number>): string {
  const parts = Object.entries(summary).filter(([, n]) => n > 0).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => `${n} ${k}`);
  return parts.length > 0 ? parts.join(', ') : 'no changes';
}

function oneLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 100 ? `${line.slice(0, 97)}...` : line;
}
