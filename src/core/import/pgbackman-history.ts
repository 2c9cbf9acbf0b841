// PgBackMan's backup catalog -> pgbackops run records, so that retention and reports cover the backups
// PgBackMan took from the first day. Pure: which files exist is passed in.
//
// - The run id is derived from bck_id (and the row's own identity): importing twice upserts the same rows.
// - The run's directory is PgBackMan's dump (a pg_dump directory archive, or the pg_dumpall file): what
//   `prune` removes when retention expires the run.
// - A backup whose dump is not on disk is recorded as failed (missing-files): it must not count as a
//   successful backup that lets retention expire older ones.
// - The retention each run is recorded with is its definition's (keepWithin + keepLast), or its snapshot's
//   keepFor: what expires it if its definition is not (or no longer) in the configuration.
import { posix } from 'node:path';
import { sha256Hex } from '../canonical.js';
import type { RunRecord } from '../runs/run-record.js';
import type { ImportFinding } from './findings.js';
import type { PgbmBackupRun } from './pgbackman-catalog.js';
import type { PgbackmanNames } from './pgbackman-map.js';

export const MISSING_FILES_REASON = 'missing-files';

export interface HistoryImport {
  records: RunRecord[];
  findings: ImportFinding[];
}

/** PgBackMan writes 'None' where a file was not produced. */
export function pgbmPath(path: string | null): string | null {
  return path === null || path === '' || path === 'None' ? null : path;
}

export function mapPgbackmanHistory(runs: readonly PgbmBackupRun[], names: PgbackmanNames, existing: ReadonlySet<string>, timezone: string): HistoryImport {
  const records: RunRecord[] = [];
  const findings: ImportFinding[] = [];
  let warnings: number[] = [];
  const outside = new Map<string, number[]>();
  let sideFiles = false;
  for (const run of [...runs].sort((a, b) => a.bckId - b.bckId)) {
    const label = `backup_catalog ${run.bckId} (${run.dbname ? `database ${run.dbname}, ` : ''}started ${run.started ?? run.registered})`;
    const owner = run.defId !== null ? names.definitions.get(run.defId) : run.snapshotId !== null ? names.snapshots.get(run.snapshotId) : undefined;
    const server = names.servers.get(run.backupServerId);
    if (!owner || !server) {
      findings.push({ code: 'I_HISTORY_UNASSIGNED', object: label, chosen: `not recorded: it belongs to no imported ${run.snapshotId !== null ? 'snapshot' : 'definition'} or server` });
      continue;
    }
    const dump = pgbmPath(run.pgDumpFile);
    const present = dump !== null && existing.has(dump);
    let status: RunRecord['status'] = run.executionStatus === 'SUCCEEDED' || run.executionStatus === 'WARNING' ? 'succeeded' : 'failed';
    let failureReason: string | null = status === 'failed' ? 'dump-error' : null;
    if (run.executionStatus === 'WARNING') warnings.push(run.bckId);
    if (status === 'succeeded' && !present) {
      status = 'failed';
      failureReason = MISSING_FILES_REASON;
      findings.push({ code: 'I_HISTORY_FILE_MISSING', object: label, chosen: `recorded as failed (${MISSING_FILES_REASON}): ${dump ?? 'no dump file recorded'} is not on this machine` });
    }
    if (present && !isInside(dump!, server.backupRoot)) {
      const list = outside.get(server.name) ?? [];
      list.push(run.bckId);
      outside.set(server.name, list);
    }
    const side = [pgbmPath(run.pgDumpRolesFile), pgbmPath(run.pgDumpDbconfigFile), pgbmPath(run.pgDumpLogFile)].filter((p): p is string => p !== null);
    if (side.length > 0) sideFiles = true;
    const startedAt = iso(run.started ?? run.finished ?? run.registered);
    const finishedAt = iso(run.finished ?? run.started ?? run.registered);
    const retention = 'retention' in owner ? owner.retention : { expireAfter: owner.keepFor };
    const bytes = status === 'succeeded' ? (run.pgDumpFileSize ?? 0) + (run.pgDumpRolesFileSize ?? 0) + (run.pgDumpDbconfigFileSize ?? 0) : null;
    records.push({
      id: runIdOf(run),
      method: 'logical',
      methodFacts: null,
      encryption: null,
      definition: owner.name,
      node: names.node(run.pgsqlNodeId, run.backupServerId),
      backupServer: server.name,
      database: owner.type === 'cluster' ? null : run.dbname,
      backupType: owner.type,
      format: owner.type === 'cluster' ? 'plain' : 'directory',
      status,
      startedAt,
      finishedAt: finishedAt < startedAt ? startedAt : finishedAt,
      directory: present ? dump : null,
      bytes,
      files: null,
      pgDumpVersion: run.pgDumpRelease,
      serverVersion: run.pgsqlNodeRelease,
      failureReason,
      failureDetail: status === 'failed' ? (failureReason === MISSING_FILES_REASON ? `${dump ?? 'the dump'} was not found when imported` : run.errorMessage || 'PgBackMan recorded an error') : null,
      log: [
        `imported from PgBackMan backup_catalog bck_id ${run.bckId} (${run.executionStatus ?? 'no status'}${run.errorMessage ? `: ${run.errorMessage}` : ''})`,
        `dump: ${dump ?? '-'}`,
        ...side.map((p) => `also: ${p}`),
      ].join('\n'),
      retention,
      timezone,
    });
  }
  if (warnings.length > 0) {
    findings.push({ code: 'I_HISTORY_STATUS_WARNING', object: `backup_catalog ${warnings.slice(0, 5).join(', ')}${warnings.length > 5 ? ` and ${warnings.length - 5} more` : ''}`, chosen: 'recorded as succeeded (the dump was written); the warning is in the run\'s log' });
    warnings = [];
  }
  for (const [server, ids] of outside) {
    findings.push({
      code: 'I_HISTORY_OUTSIDE_BACKUP_ROOT', object: `backup_catalog ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ` and ${ids.length - 5} more` : ''}`,
      chosen: `recorded, but outside BackupServer ${server}'s backupRoot: prune keeps their rows tombstoned instead of removing files there`,
    });
  }
  if (sideFiles) {
    findings.push({ code: 'I_HISTORY_SIDE_FILES', object: 'backup_catalog roles, dbconfig and log files', chosen: 'listed in each run\'s log; prune removes the dump only, remove these with PgBackMan\'s maintenance or by hand' });
  }
  if (records.length > 0) {
    findings.push({ code: 'I_HISTORY_NOT_RESTORABLE', object: `${records.length} imported backup(s)`, chosen: 'listed by `pgbackops backups` and expired by retention; restore them with pgbackman_restore or pg_restore, not `pgbackops restore`' });
  }
  return { records, findings };
}

/**
 * A UUID (version 5 layout) from the row's bck_id and identity: the same PgBackMan backup always gets the
 * same run id, and two PgBackMan catalogs imported into one pgbackops catalog do not collide on bck_id.
 */
export function runIdOf(run: Pick<PgbmBackupRun, 'bckId' | 'backupServerId' | 'pgsqlNodeId' | 'dbname' | 'started' | 'registered'>): string {
  const h = sha256Hex(`pgbackman backup_catalog\u0000${run.bckId}\u0000${run.backupServerId}\u0000${run.pgsqlNodeId}\u0000${run.dbname}\u0000${run.started ?? run.registered}`).slice(0, 32).split('');
  h[12] = '5';
  h[16] = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

function iso(text: string): string {
  return new Date(Date.parse(text)).toISOString();
}

function isInside(path: string, root: string): boolean {
  const r = posix.normalize(root).replace(/\/+$/, '');
  return posix.normalize(path).startsWith(`${r}/`);
}
