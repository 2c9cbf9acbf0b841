// Reads a PgBackMan catalog (its own PostgreSQL database) into plain rows, read-only. Rows are read as
// to_jsonb(row) so that columns a PgBackMan version does not have (pg_dump_release came with 1.1) are simply
// absent, and with IntervalStyle iso_8601 and TimeZone UTC so that intervals and times read the same from
// any client.
import pg from 'pg';
import type {
  PgbmBackupDefinition, PgbmBackupRun, PgbmCatalog, PgbmNode, PgbmRestoreDefinition, PgbmServer, PgbmSnapshotDefinition,
} from '../../core/import/pgbackman-catalog.js';
import { PgbackopsError } from '../../core/errors.js';

type Row = Record<string, unknown>;

export class PgbackmanReadError extends PgbackopsError {
  readonly code = 'E_IMPORT_SOURCE';
}

export async function withPgbackmanCatalog<T>(config: pg.ClientConfig, fn: (reader: PgbackmanReader) => Promise<T>): Promise<T> {
  const client = new pg.Client({ ...config, application_name: 'pgbackops-import' });
  await client.connect();
  try {
    await client.query(`set intervalstyle = 'iso_8601'; set timezone = 'UTC'; set default_transaction_read_only = on`);
    await client.query('begin isolation level repeatable read read only');
    const tables = await client.query(`select to_regclass('backup_definition') is not null and to_regclass('backup_catalog') is not null as ok`);
    if (!tables.rows[0]?.ok) throw new PgbackmanReadError('this database has no PgBackMan catalog (no backup_definition and backup_catalog tables on the search path)');
    const result = await fn(new PgbackmanReader(client));
    await client.query('commit');
    return result;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export class PgbackmanReader {
  constructor(private readonly client: pg.Client) {}

  private async rows(sql: string): Promise<Row[]> {
    return (await this.client.query(sql)).rows.map((r: { j: Row }) => r.j);
  }

  async readCatalog(): Promise<PgbmCatalog> {
    const serverConfig = await this.configByOwner('backup_server_config', 'server_id');
    const nodeConfig = await this.configByOwner('pgsql_node_config', 'node_id');
    const servers: PgbmServer[] = (await this.rows('select to_jsonb(t) as j from backup_server t order by server_id')).map((r) => ({
      serverId: num(r.server_id), hostname: str(r.hostname), domainName: str(r.domain_name), status: str(r.status), remarks: optStr(r.remarks),
      config: serverConfig.get(num(r.server_id)) ?? {},
    }));
    const nodes: PgbmNode[] = (await this.rows('select to_jsonb(t) as j from pgsql_node t order by node_id')).map((r) => ({
      nodeId: num(r.node_id), hostname: str(r.hostname), domainName: str(r.domain_name), pgport: num(r.pgport), adminUser: str(r.admin_user),
      status: str(r.status), remarks: optStr(r.remarks), config: nodeConfig.get(num(r.node_id)) ?? {},
    }));
    const backupDefinitions: PgbmBackupDefinition[] = (await this.rows('select to_jsonb(t) as j from backup_definition t order by def_id')).map((r) => ({
      defId: num(r.def_id), backupServerId: num(r.backup_server_id), pgsqlNodeId: num(r.pgsql_node_id), dbname: str(r.dbname),
      minutesCron: optStr(r.minutes_cron), hoursCron: optStr(r.hours_cron), dayMonthCron: optStr(r.day_month_cron), monthCron: optStr(r.month_cron),
      weekdayCron: optStr(r.weekday_cron), backupCode: str(r.backup_code), encryption: r.encryption === true, retentionPeriod: str(r.retention_period),
      retentionRedundancy: num(r.retention_redundancy), extraBackupParameters: optStr(r.extra_backup_parameters), jobStatus: str(r.job_status), remarks: optStr(r.remarks),
    }));
    const snapshotDefinitions: PgbmSnapshotDefinition[] = (await this.rowsIfTable('snapshot_definition', 'snapshot_id')).map((r) => ({
      snapshotId: num(r.snapshot_id), backupServerId: num(r.backup_server_id), pgsqlNodeId: num(r.pgsql_node_id), dbname: str(r.dbname),
      atTime: str(r.at_time), backupCode: str(r.backup_code), retentionPeriod: str(r.retention_period), extraBackupParameters: optStr(r.extra_backup_parameters),
      status: optStr(r.status), remarks: optStr(r.remarks), pgDumpRelease: optStr(r.pg_dump_release),
    }));
    const ran = new Set<number>();
    if (await this.hasTable('restore_catalog')) {
      for (const r of await this.rows('select jsonb_build_object(\'restore_def\', restore_def) as j from restore_catalog where restore_def is not null')) ran.add(num(r.restore_def));
    }
    const restoreDefinitions: PgbmRestoreDefinition[] = (await this.rowsIfTable('restore_definition', 'restore_def')).map((r) => ({
      restoreDef: num(r.restore_def), bckId: num(r.bck_id), backupServerId: num(r.backup_server_id), targetPgsqlNodeId: num(r.target_pgsql_node_id),
      targetDbname: str(r.target_dbname), renamedDbname: optStr(r.renamed_dbname), atTime: str(r.at_time), status: optStr(r.status), ran: ran.has(num(r.restore_def)),
    }));
    return {
      servers, nodes, backupDefinitions, snapshotDefinitions, restoreDefinitions,
      serverDefaults: await this.defaults('backup_server_default_config'),
      nodeDefaults: await this.defaults('pgsql_node_default_config'),
    };
  }

  async readBackupRuns(): Promise<PgbmBackupRun[]> {
    return (await this.rows('select to_jsonb(t) as j from backup_catalog t order by bck_id')).map((r) => ({
      bckId: num(r.bck_id), defId: optNum(r.def_id), snapshotId: optNum(r.snapshot_id), backupServerId: num(r.backup_server_id),
      pgsqlNodeId: num(r.pgsql_node_id), dbname: str(r.dbname), started: optStr(r.started), finished: optStr(r.finished), registered: str(r.registered),
      pgDumpFile: optStr(r.pg_dump_file), pgDumpFileSize: optNum(r.pg_dump_file_size), pgDumpLogFile: optStr(r.pg_dump_log_file),
      pgDumpRolesFile: optStr(r.pg_dump_roles_file), pgDumpRolesFileSize: optNum(r.pg_dump_roles_file_size),
      pgDumpDbconfigFile: optStr(r.pg_dump_dbconfig_file), pgDumpDbconfigFileSize: optNum(r.pg_dump_dbconfig_file_size),
      executionStatus: optStr(r.execution_status), errorMessage: optStr(r.error_message),
      pgsqlNodeRelease: optStr(r.pgsql_node_release), pgDumpRelease: optStr(r.pg_dump_release),
    }));
  }

  private async hasTable(name: string): Promise<boolean> {
    return (await this.client.query('select to_regclass($1) is not null as ok', [name])).rows[0]?.ok === true;
  }

  private async rowsIfTable(table: string, orderBy: string): Promise<Row[]> {
    if (!(await this.hasTable(table))) return [];
    return this.rows(`select to_jsonb(t) as j from ${table} t order by ${orderBy}`);
  }

  private async configByOwner(table: string, owner: string): Promise<Map<number, Record<string, string>>> {
    const out = new Map<number, Record<string, string>>();
    for (const r of await this.rowsIfTable(table, `${owner}, parameter`)) {
      const m = out.get(num(r[owner])) ?? {};
      m[str(r.parameter)] = str(r.value);
      out.set(num(r[owner]), m);
    }
    return out;
  }

  private async defaults(table: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const r of await this.rowsIfTable(table, 'parameter')) out[str(r.parameter)] = str(r.value);
    return out;
  }
}

function num(v: unknown): number {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) throw new PgbackmanReadError(`a PgBackMan row has ${JSON.stringify(v)} where a number belongs`);
  return n;
}
function optNum(v: unknown): number | null {
  return v === null || v === undefined ? null : num(v);
}
function str(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}
function optStr(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}
