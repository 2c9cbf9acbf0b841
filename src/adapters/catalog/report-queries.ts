// Read-only catalog queries behind the operator reports (backups, show, history, status) and behind restore
// and verify, which start from a backup run row.
import type { RunFile, RunStatus } from '../../core/runs/run-record.js';
import type { BackupType, DumpFormat, EncryptionSpec, RetentionSpec } from '../../core/model.js';
import type { ApplyEntry, RestoreEntry } from '../../core/reports/history-report.js';
import type { StatusPageRequest } from '../../core/reports/status-order.js';
import { readStatusListing, type StatusListing } from './status-listing.js';
import type { Query } from './migrations.js';
import { readRunStats, type DefinitionRunStats } from './run-stats.js';
import { readCheckScope, type CheckScope, type CheckScopeFilter } from './check-scope.js';
import { PgbackopsError } from '../../core/errors.js';
import type { PageCursor } from '../../core/reports/page-cursor.js';

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

export class AmbiguousBackupIdError extends PgbackopsError {
  readonly code = 'E_BACKUP_AMBIGUOUS';
}

/** A row's start as a PageCursor's startedAt (page-cursor.ts). */
const CURSOR_TIME = `to_char(started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_time`;

const BACKUP_COLUMNS = `id::text, definition, node, backup_server, database, backup_type, format, status, started_at, finished_at,
  bytes, files, failure_reason, failure_detail, log, pg_dump_version, server_version, directory, expired_at, retention, timezone,
  method, method_facts, encryption`;

export class ReportQueries {
  constructor(private readonly withQuery: WithQuery) {}

  /** Last success, failure, verdict, duration and size of each named definition, in one grouped query. */
  async runStats(definitions: readonly string[]): Promise<Map<string, DefinitionRunStats>> {
    return this.withQuery((query) => readRunStats(async (sql, params) => (await query(sql, params)).rows, { definitions }));
  }

  /** What `check-status` decides on: the definitions in scope (only the fields it uses), nodes, servers, run figures. */
  async checkScope(filter: CheckScopeFilter): Promise<CheckScope> {
    return this.withQuery((query) => readCheckScope(query, filter));
  }

  /** A backup by its id or a unique prefix of it (at least 4 characters); null when none matches. */
  async findBackup(idOrPrefix: string): Promise<BackupRow | null> {
    const prefix = idOrPrefix.trim().toLowerCase();
    const range = uuidRangeOfPrefix(prefix);
    if (!range) return null;
    const { rows } = await this.withQuery((query) => query(
      `select ${BACKUP_COLUMNS} from pgbackops.backup_runs where id between $1::uuid and $2::uuid order by started_at desc limit 2`,
      range,
    ));
    if (rows.length > 1) throw new AmbiguousBackupIdError(`backup id prefix ${prefix} matches more than one backup; give more characters`);
    return rows[0] ? backupRow(rows[0]) : null;
  }

  /** The newest succeeded backup of a definition (of one database when given). */
  async latestSucceeded(definition: string, database?: string): Promise<BackupRow | null> {
    const { rows } = await this.withQuery((query) => query(
      `select ${BACKUP_COLUMNS} from pgbackops.backup_runs
        where definition = $1 and status = 'succeeded' and ($2::text is null or database = $2)
        order by started_at desc, backup_runs.id limit 1`,
      [definition, database ?? null],
    ));
    return rows[0] ? backupRow(rows[0]) : null;
  }

  /**
   * The kept (succeeded, not expired) base backups of the given nodes, with the facts the restorable window
   * needs (src/core/wal/restorable-window.ts); a small query, no logs or file lists.
   */
  async keptBaseBackups(nodes: readonly string[]): Promise<Array<{ id: string; node: string; serverVersion: string | null; methodFacts: Record<string, unknown> | null }>> {
    if (nodes.length === 0) return [];
    const { rows } = await this.withQuery((query) => query(
      `select id::text, node, server_version, method_facts from pgbackops.backup_runs
        where method = 'basebackup' and status = 'succeeded' and expired_at is null and node = any($1::text[])
        order by started_at, id`,
      [nodes],
    ));
    return rows.map((r: Record<string, unknown>) => ({
      id: r.id as string, node: r.node as string, serverVersion: (r.server_version as string | null) ?? null,
      methodFacts: (r.method_facts as Record<string, unknown> | null) ?? null,
    }));
  }

  /** Backups newest first (id breaks ties, for a stable order). */
  async listBackups(filter: BackupFilter): Promise<BackupRow[]> {
    return (await this.listBackupsPage(filter)).backups;
  }

  /**
   * One page of backups newest first, after `after` (the cursor of the previous page's last row) when given,
   * and the cursor of this page's last row when more follow. Keyset pagination: a page is read from the
   * run indexes' order (migration 024: started_at desc, id) from where the last one stopped, whatever its
   * depth, and runs recorded meanwhile neither repeat nor hide a row of the pages that follow (they are newer
   * than the cursor).
   */
  async listBackupsPage(filter: BackupFilter, after?: PageCursor): Promise<{ backups: BackupRow[]; nextAfter: PageCursor | null }> {
    // Ordered by the uuid column (`backup_runs.id`), not the selected `id::text` that a bare `id` names in
    // ORDER BY: by the text, the index's order ended at started_at and every run sharing a start (a fleet's
    // nightly runs at 01:30: one per definition) was read and sorted for each page. uuids order as their text.
    const limit = filter.limit ?? 1000;
    const where = conditions([
      ['node', filter.node], ['definition', filter.definition], ['database', filter.database], ['status', filter.status],
    ], filter.since, after);
    const { rows } = await this.withQuery((query) => query(
      `select ${BACKUP_COLUMNS}, ${CURSOR_TIME} from pgbackops.backup_runs ${where.sql}
        order by started_at desc, backup_runs.id
        limit $${where.params.length + 1}`,
      [...where.params, limit + 1],
    ));
    return { backups: rows.slice(0, limit).map(backupRow), nextAfter: nextCursor(rows, limit) };
  }

  /**
   * What `status` lists (status-listing.ts): the count of definitions per health state and one page of them,
   * problems first, with what decides each listed line (migration 029's summaries and kept bytes).
   */
  async statusListing(page: StatusPageRequest, now: number): Promise<StatusListing> {
    return this.withQuery((query) => readStatusListing(query, page, now));
  }

  async applyHistory(limit: number): Promise<ApplyHistoryRow[]> {
    return (await this.applyHistoryPage(limit)).rows;
  }

  /** Applies newest first, after `after` when given (keyset, as listBackupsPage), and the cursor of the last when more follow. */
  async applyHistoryPage(limit: number, after?: PageCursor): Promise<{ rows: ApplyHistoryRow[]; nextAfter: PageCursor | null }> {
    const { rows } = await this.withQuery((query) => query(
      `select id, revision, actor, started_at, finished_at, summary, overrides, catalog_version_before, catalog_version_after, ${CURSOR_TIME}
         from pgbackops.apply_history ${after ? 'where (started_at, id) < ($2::timestamptz, $3::bigint)' : ''}
        order by started_at desc, id desc limit $1`,
      after ? [limit + 1, after.startedAt, after.id] : [limit + 1],
    ));
    return {
      rows: rows.slice(0, limit).map((r) => ({
        id: Number(r.id), revision: r.revision, actor: r.actor, startedAt: r.started_at, finishedAt: r.finished_at,
        summary: r.summary, overrides: r.overrides, versionBefore: Number(r.catalog_version_before), versionAfter: Number(r.catalog_version_after),
      })),
      nextAfter: nextCursor(rows, limit),
    };
  }

  /** Restores newest first; of one backup, by one actor, or since a time when given. */
  async restoreHistory(limit: number, filter: { backupId?: string; actor?: string; since?: Date } = {}): Promise<RestoreHistoryRow[]> {
    return (await this.restoreHistoryPage(limit, filter)).rows;
  }

  /** The same, after `after` when given (keyset, as listBackupsPage), and the cursor of the last when more follow. */
  async restoreHistoryPage(
    limit: number, filter: { backupId?: string; actor?: string; since?: Date } = {}, after?: PageCursor,
  ): Promise<{ rows: RestoreHistoryRow[]; nextAfter: PageCursor | null }> {
    const where = conditions([['backup_run_id', filter.backupId, 'uuid'], ['actor', filter.actor]], filter.since, after);
    const { rows } = await this.withQuery((query) => query(
      `select id::text, purpose, backup_run_id::text, definition, source_database, target_node, target_dir, target_database, renamed_existing_to,
              status, started_at, finished_at, failure_reason, created_roles, created_databases, actor, ${CURSOR_TIME}
         from pgbackops.restore_runs ${where.sql}
        order by started_at desc, restore_runs.id limit $${where.params.length + 1}`,
      [...where.params, limit + 1],
    ));
    return {
      rows: rows.slice(0, limit).map((r) => ({
        id: r.id, purpose: r.purpose, backupRunId: r.backup_run_id, definition: r.definition, sourceDatabase: r.source_database,
        targetNode: r.target_node, targetDir: r.target_dir, targetDatabase: r.target_database, renamedExistingTo: r.renamed_existing_to, status: r.status,
        startedAt: r.started_at, finishedAt: r.finished_at, failureReason: r.failure_reason, createdRoles: r.created_roles,
        createdDatabases: r.created_databases, actor: r.actor,
      })),
      nextAfter: nextCursor(rows, limit),
    };
  }
}

/** The cursor of a page's last row when the query found more than `limit` rows (each page asks for limit + 1). */
function nextCursor(rows: ReadonlyArray<Record<string, unknown>>, limit: number): PageCursor | null {
  const last = rows[limit - 1];
  return rows.length > limit && last ? { startedAt: last.cursor_time as string, id: String(last.id) } : null;
}

const UUID_SHAPE = 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx';

/**
 * The smallest and the largest uuid whose text starts with `prefix` (at least 4 characters), or null when no
 * uuid does. PostgreSQL orders uuids as their text orders, so `id between` them is exactly `id::text like
 * prefix%`, and finds the run through the primary key instead of reading every run.
 */
export function uuidRangeOfPrefix(prefix: string): [string, string] | null {
  if (prefix.length < 4 || prefix.length > UUID_SHAPE.length) return null;
  for (let i = 0; i < prefix.length; i++) {
    const dash = UUID_SHAPE[i] === '-';
    if (dash ? prefix[i] !== '-' : !/[0-9a-f]/.test(prefix[i]!)) return null;
  }
  const fill = (digit: string): string => prefix + UUID_SHAPE.slice(prefix.length).replace(/x/g, digit);
  return [fill('0'), fill('f')];
}

/**
 * A WHERE clause of only the filters given, each `column = $n`, and `started_at >= $n` for `since`. Written
 * out rather than `($1 is null or column = $1)`: PostgreSQL plans such a statement once for any parameters,
 * and a plan that must also work with every filter absent reads the whole table (bench/explain-runs.js).
 */
function conditions(filters: Array<[column: string, value: string | undefined, type?: string]>, since: Date | undefined, after?: PageCursor): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const parts: string[] = [];
  for (const [column, value, type] of filters) {
    if (value === undefined) continue;
    params.push(value);
    parts.push(`${column} = $${params.length}${type ? `::${type}` : ''}`);
  }
  if (since !== undefined) {
    params.push(since);
    parts.push(`started_at >= $${params.length}`);
  }
  if (after !== undefined) {
    // After (t, id) in the order `started_at desc, id`: older, or as old with a greater id. The first term
    // is the index's range condition; a row comparison cannot say it, the two columns run opposite ways.
    params.push(after.startedAt, after.id);
    const [t, id] = [`$${params.length - 1}::timestamptz`, `$${params.length}::uuid`];
    parts.push(`started_at <= ${t} and (started_at < ${t} or id > ${id})`);
  }
  return { sql: parts.length > 0 ? `where ${parts.join(' and ')}` : '', params };
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

/** A run that decides a status by its status and times only (what status-report.ts reads of a non-failure). */
