// `pgbackops show <backup-id>`: everything recorded about one backup, and how to restore it. Pure.
import type { RunFile } from '../runs/run-record.js';
import { locationsText, type BackupReportItem } from './backups-report.js';
import { formatBytes, formatDuration, formatTime } from './format.js';

export interface ShowDetails {
  backupServer: string;
  directory: string | null;
  files: RunFile[] | null;
  pgDumpVersion: string | null;
  serverVersion: string | null;
  failureDetail: string | null;
  log: string | null;
  timezone: string | null;
  /** The method that took it, and what it recorded besides the shared columns (a base backup's WAL range...). */
  method?: string;
  methodFacts?: Record<string, unknown> | null;
  restores: Array<{ id: string; purpose: string; targetNode: string | null; targetDir: string | null; targetDatabase: string | null; status: string; startedAt: number; finishedAt: number | null }>;
}

export interface ShowReport {
  backup: BackupReportItem & {
    backup_server: string;
    directory: string | null;
    pg_dump_version: string | null;
    server_version: string | null;
    failure_detail: string | null;
    timezone: string | null;
    files: RunFile[];
    log: string | null;
    /** Present for the methods other than logical. */
    method?: string;
    method_facts?: Record<string, unknown> | null;
  };
  restore_command: string[] | null;
  verify_command: string[];
  restores: Array<{ id: string; purpose: string; target_node: string | null; target_dir: string | null; target_database: string | null; status: string; started_at: string; duration_ms: number | null }>;
}

/** A physical method's backup is the whole data directory, restored with --to-dir (basebackup, pgbackrest). */
function isPhysical(method: string | undefined): boolean {
  return method === 'basebackup' || method === 'pgbackrest';
}

export function showReport(item: BackupReportItem, d: ShowDetails): ShowReport {
  return {
    backup: {
      ...item, backup_server: d.backupServer, directory: d.directory, pg_dump_version: d.pgDumpVersion, server_version: d.serverVersion,
      failure_detail: d.failureDetail, timezone: d.timezone, files: d.files ?? [], log: d.log,
      ...(d.method !== undefined && d.method !== 'logical' ? { method: d.method, method_facts: d.methodFacts ?? null } : {}),
    },
    restore_command: item.status !== 'succeeded' ? null
      : isPhysical(d.method) ? ['pgbackops', 'restore', item.id, '--to-dir', 'DIR']
      : ['pgbackops', 'restore', item.id, '--to-node', item.node],
    verify_command: ['pgbackops', 'verify', item.id],
    restores: d.restores.map((r) => ({
      id: r.id, purpose: r.purpose, target_node: r.targetNode, target_dir: r.targetDir, target_database: r.targetDatabase, status: r.status,
      started_at: new Date(r.startedAt).toISOString(), duration_ms: r.finishedAt === null ? null : r.finishedAt - r.startedAt,
    })),
  };
}

export function renderShowText(r: ShowReport): string {
  const b = r.backup;
  const lines = [
    `Backup ${b.id}`,
    `  definition:  ${b.definition} (node ${b.node}, backup server ${b.backup_server})`,
    `  database:    ${b.method === 'basebackup' ? '(cluster: the whole data directory, pg_basebackup)' : b.method === 'pgbackrest' ? '(cluster: the whole data directory, pgBackRest)' : b.database === null ? '(cluster: every database and role, pg_dumpall)' : JSON.stringify(b.database)}`,
    b.method === undefined ? `  type:        ${b.type ?? '-'}, format ${b.format ?? '-'}` : `  method:      ${b.method}`,
    `  status:      ${b.status}${b.failure_reason ? ` (${b.failure_reason}${b.failure_detail ? `: ${b.failure_detail}` : ''})` : ''}`,
    `  started:     ${formatTime(Date.parse(b.started_at))}${b.timezone ? ` (schedule timezone ${b.timezone})` : ''}`,
    `  finished:    ${b.finished_at === null ? '-' : `${formatTime(Date.parse(b.finished_at))} after ${formatDuration(b.duration_ms)}`}`,
    `  size:        ${formatBytes(b.bytes)}`,
    `  expires:     ${b.expires_at === null ? 'not known in advance (kept by retention counts)' : b.expires_at === 'now' ? 'being expired now' : `${b.expires_at_earliest ? 'not before ' : ''}${formatTime(Date.parse(b.expires_at))}`}`,
    `  directory:   ${b.directory ?? '-'}`,
    // Only where something lives elsewhere than the backup server: copies, or a backup whose local files are gone.
    ...(b.locations.copies.length > 0 || (b.status === 'succeeded' && !b.locations.local) ? [`  where:       ${locationsText(b)}`] : []),
    ...b.locations.copies.filter((c) => c.failure_reason).map((c) => `    ${c.store}: ${c.failure_reason}`),
    b.method === undefined ? `  versions:    pg_dump ${b.pg_dump_version ?? '-'}, server ${b.server_version ?? '-'}` : `  versions:    server ${b.server_version ?? '-'}`,
  ];
  if (b.method_facts) lines.push(...methodFactLines(b.method_facts));
  lines.push('', `Files (${b.files.length}):`);
  for (const f of b.files) lines.push(`  ${f.sha256}  ${formatBytes(f.bytes).padStart(10)}  ${f.path}`);
  lines.push('');
  if (r.restore_command) {
    lines.push('Restore with:', isPhysical(b.method)
      ? `  ${shellCommand(r.restore_command)} [--target-time T | --target-lsn L | --target-name N | --latest] [--start --port P] --dry-run`
      : `  ${shellCommand(r.restore_command)} [--database NEW_NAME | --rename-existing] [--roles reuse] --dry-run`);
  } else {
    lines.push(`Not restorable: the backup is ${b.status}.`);
  }
  lines.push('Verify with:', `  ${shellCommand(r.verify_command)}${b.method === undefined ? ' [--restore --to-node NODE]' : ''}`);
  if (r.restores.length > 0) {
    lines.push('', 'Restores of this backup:');
    for (const x of r.restores) {
      lines.push(`  ${formatTime(Date.parse(x.started_at))}  ${x.purpose === 'trial' ? 'trial' : 'restore'} to ${x.target_node === null ? `directory ${JSON.stringify(x.target_dir)}` : x.target_node}${x.target_database === null ? '' : `/${JSON.stringify(x.target_database)}`}: ${x.status} (${formatDuration(x.duration_ms)}), ${x.id}`);
    }
  }
  if (b.log) lines.push('', 'Log:', ...b.log.split('\n').map((l) => `  ${l}`));
  return `${lines.join('\n')}\n`;
}

/** The words as a POSIX shell would need them typed: single-quoted when not plain. */
export function shellCommand(words: readonly string[]): string {
  return words.map((w) => (/^[A-Za-z0-9_./=:@%+-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** A base backup's recorded facts, one line each (docs/restore.md, "Physical backups", says what they mean). */
function methodFactLines(f: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (typeof f.startLsn === 'string') out.push(`  WAL:         ${f.startLsn} to ${String(f.stopLsn)} on timeline ${String(f.timeline)} (segments ${String(f.startWal)} to ${String(f.stopWal)})`);
  if (typeof f.endTime === 'string') out.push(`  consistent:  from ${f.endTime} (node clock; the earliest recovery target time)`);
  if (typeof f.systemIdentifier === 'string') out.push(`  system id:   ${f.systemIdentifier}`);
  if (typeof f.pgBasebackupVersion === 'string') {
    const c = f.compression as { method?: string; level?: number } | undefined;
    out.push(`  taken with:  pg_basebackup ${f.pgBasebackupVersion}, checkpoint ${String(f.checkpoint)}, compression ${c?.method ?? '-'}${c?.level === undefined ? '' : ` ${c.level}`}}${typeof f.manifestChecksums === 'string' ? `, manifest checksums ${f.manifestChecksums.toUpperCase()}` : ''}`);
  }
  if (typeof f.baseBytes === 'number') out.push(`  tars:        base ${formatBytes(f.baseBytes)}, WAL ${formatBytes(f.walBytes as number)}`);
  if (typeof f.manifestCheck === 'string') out.push(`  manifest:    verified by ${f.manifestCheck}`);
  return out;
}
