// Read-only catalog queries behind the operator reports (backups, show, history, status) and behind restore
// and verify, which start from a backup run row.
import type { RunFile, RunStatus } from '../../core/runs/run-record.js';
import type { BackupType, DumpFormat, EncryptionSpec, RetentionSpec } from '../../core/model.js';
import type { ApplyEntry, RestoreEntry } from '../../core/reports/history-report.js';
import type { Query } from './migrations.js';
import { readRunStats, type DefinitionRunStats } from '../../daemon/run-stats.js';

type WithQuery = <T>(fn: (query: Query) => Promise<T>) => Promise<T>;

/** One backup_runs row, as reports and restores read it. */
export interface BackupRow {
  id: string;
  definition: string;
  node: string;
  backupServer: string;
  database: string | null;
  backupType: BackupType | null;
  format: DumpFormat | null;
  status: RunStatus;
  startedAt: Date;
  finishedAt: Date | null;
  bytes: number | null;
  files: RunFile[] | null;
  failureReason: string | null;
  failureDetail: string | null;
  log: string | null;
  pgDumpVersion: string | null;
  serverVersion: string | null;
  directory: string | null;
  expiredAt: Date | null;
  retention: RetentionSpec | null;
  timezone: string | null;
  /** The method that took it: a name this version may not know, when a newer pgbackops recorded the run. */
  method: string;
  /** What the method recorded besides the shared columns (null for logical runs). */
  methodFacts: Record<string, unknown> | null;
  /** The recipients its files were encrypted to; null: not encrypted (docs/encryption.md). */
  encryption: EncryptionSpec | null;
}

export interface BackupFilter {
  node?: string;
  definition?: string;
  database?: string;
  status?: string;
  since?: Date;
  limit?: number;
}

/** An apply_history row: the history report's entry, with its times as the driver reads them. */
export type ApplyHistoryRow = Omit<ApplyEntry, 'startedAt' | 'finishedAt'> & { startedAt: Date; finishedAt: Date };

/** A restore_runs row: the history report's entry with its times as read, and what the restore created. */
export type RestoreHistoryRow = Omit<RestoreEntry, 'startedAt' | 'finishedAt'> & {
  startedAt: Date;
  finishedAt: Date | null;
  createdRoles: string[];
  createdDatabases: string[];
};

export class AmbiguousBackupIdError extends Error {
  override name = 'AmbiguousBackupIdError';
}

const BACKUP_COLUMNS = `id::text, definition, node, backup_server, database, backup_type, format, status, started_at, finished_at,
  bytes, files, failure_reason, failure_detail, log, pg_dump_version, server_version, directory, expired_at, retention, timezone,
  method, method_facts, encryption`;

export class ReportQueries {
  constructor(private readonly withQuery: WithQuery) {}

  /** Last success, failure, verdict, duration and size of each named definition, in one grouped query. */
  async runStats(definitions: readonly string[]): Promise<Map<string, DefinitionRunStats>> {
    return this.withQuery((query) => readRunStats(async (sql, params) => (await query(sql, params)).rows, { definitions }));
  }

  /** A backup by its id or a unique prefix of it (at least 4 characters); null when none matches. */
  async findBackup(idOrPrefix: string): Promise<BackupRow | null> {
    const prefix = idOrPrefix.trim().toLowerCase();
    if (!/^[0-9a-f-]{4,36}$/.test(prefix)) return null;
    const { rows } = await this.withQuery((query) => query(
      `select ${BACKUP_COLUMNS} from pgbackops.backup_runs where id::text like $1 || '%' order by started_at desc limit 2`,
      [prefix],
    ));
    if (rows.length > 1) throw new AmbiguousBackupIdError(`backup id prefix ${prefix} matches more than one backup; give more characters`);
    return rows[0] ? backupRow(rows[0]) : null;
  }

  /** The newest succeeded backup of a definition (of one database when given). */
  async latestSucceeded(definition: string, database?: string): Promise<BackupRow | null> {
    const { rows } = await this.withQuery((query) => query(
      `select ${BACKUP_COLUMNS} from pgbackops.backup_runs
        where definition = $1 and status = 'succeeded' and ($2::text is null or database = $2)
        order by started_at desc, id limit 1`,
      [definition, database ?? null],
    ));
    return rows[0] ? backupRow(rows[0]) : null;
  }

  /** Backups newest first (id breaks ties, for a stable order). */
  async listBackups(filter: BackupFilter): Promise<BackupRow[]> {
    const { rows } = await this.withQuery((query) => query(
      `select ${BACKUP_COLUMNS} from pgbackops.backup_runs
        where ($1::text is null or node = $1) and ($2::text is null or definition = $2)
          and ($3::text is null or database = $3) and ($4::text is null or status = $4)
          and ($5::timestamptz is null or started_at >= $5)
        order by started_at desc, id
        limit $6`,
      [filter.node ?? null, filter.definition ?? null, filter.database ?? null, filter.status ?? null, filter.since ?? null, filter.limit ?? 1000],
    ));
    return rows.map(backupRow);
  }

  /**
   * Every run of the given definitions that health needs: the newest 50 per definition (enough to find the
   * last success and failure) plus the kept bytes per definition.
   */
  async recentRuns(definitions: readonly string[]): Promise<{ runs: BackupRow[]; bytesKept: Record<string, number> }> {
    return this.withQuery(async (query) => {
      const recent = await query(
        `select ${BACKUP_COLUMNS} from (
           select r.*, row_number() over (partition by definition order by started_at desc) as n
             from pgbackops.backup_runs r where definition = any($1)
         ) ranked where n <= 50 order by definition, started_at desc, id`,
        [definitions],
      );
      const bytes = await query(
        `select definition, coalesce(sum(bytes), 0)::float8 as bytes from pgbackops.backup_runs
          where definition = any($1) and status = 'succeeded' group by definition`,
        [definitions],
      );
      return {
        runs: recent.rows.map(backupRow),
        bytesKept: Object.fromEntries(bytes.rows.map((r) => [r.definition as string, Number(r.bytes)])),
      };
    });
  }

  async applyHistory(limit: number): Promise<ApplyHistoryRow[]> {
    const { rows } = await this.withQuery((query) => query(
      `select id, revision, actor, started_at, finished_at, summary, overrides, catalog_version_before, catalog_version_after
         from pgbackops.apply_history order by started_at desc, id desc limit $1`,
      [limit],
    ));
    return rows.map((r) => ({
      id: Number(r.id), revision: r.revision, actor: r.actor, startedAt: r.started_at, finishedAt: r.finished_at,
      summary: r.summary, overrides: r.overrides, versionBefore: Number(r.catalog_version_before), versionAfter: Number(r.catalog_version_after),
    }));
  }

  /** Restores newest first; of one backup, by one actor, or since a time when given. */
  async restoreHistory(limit: number, filter: { backupId?: string; actor?: string; since?: Date } = {}): Promise<RestoreHistoryRow[]> {
    const { rows } = await this.withQuery((query) => query(
      `select id::text, purpose, backup_run_id::text, definition, source_database, target_node, target_dir, target_database, renamed_existing_to,
              status, started_at, finished_at, failure_reason, created_roles, created_databases, actor
         from pgbackops.restore_runs
        where ($2::uuid is null or backup_run_id = $2) and ($3::text is null or actor = $3)
          and ($4::timestamptz is null or started_at >= $4)
        order by started_at desc, id limit $1`,
      [limit, filter.backupId ?? null, filter.actor ?? null, filter.since ?? null],
    ));
    return rows.map((r) => ({
      id: r.id, purpose: r.purpose, backupRunId: r.backup_run_id, definition: r.definition, sourceDatabase: r.source_database,
      targetNode: r.target_node, targetDir: r.target_dir, targetDatabase: r.target_database, renamedExistingTo: r.renamed_existing_to, status: r.status,
      startedAt: r.started_at, finishedAt: r.finished_at, failureReason: r.failure_reason, createdRoles: r.created_roles,
      createdDatabases: r.created_databases, actor: r.actor,
    }));
  }
}

function backupRow(r: Record<string, unknown>): BackupRow {
  return {
    id: r.id as string,
    definition: r.definition as string,
    node: r.node as string,
    backupServer: r.backup_server as string,
    database: r.database as string | null,
    backupType: r.backup_type as BackupType | null,
    format: r.format as DumpFormat | null,
    status: r.status as RunStatus,
    startedAt: r.started_at as Date,
    finishedAt: r.finished_at as Date | null,
    bytes: r.bytes === null ? null : Number(r.bytes),
    files: r.files as RunFile[] | null,
    failureReason: r.failure_reason as string | null,
    failureDetail: r.failure_detail as string | null,
    log: r.log as string | null,
    pgDumpVersion: r.pg_dump_version as string | null,
    serverVersion: r.server_version as string | null,
    directory: r.directory as string | null,
    expiredAt: r.expired_at as Date | null,
    retention: r.retention as RetentionSpec | null,
    timezone: r.timezone as string | null,
    method: r.method as string,
    methodFacts: r.method_facts as Record<string, unknown> | null,
    encryption: (r.encryption ?? null) as EncryptionSpec | null,
  };
}
