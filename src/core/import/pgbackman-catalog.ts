// PgBackMan's catalog as the importer reads it: the rows of its tables (sql/pgbackman.sql and the upgrade
// scripts of PgBackMan 1.1-1.3), as plain data. Timestamps are ISO 8601 strings in UTC, intervals are ISO
// 8601 durations (read with IntervalStyle iso_8601), so the mapping never depends on the reader's locale.

export interface PgbmServer {
  serverId: number;
  hostname: string;
  domainName: string;
  /** RUNNING or STOPPED. */
  status: string;
  remarks: string | null;
  /** backup_server_config: root_backup_partition, pgsql_bin_<release>, ... */
  config: Record<string, string>;
}

export interface PgbmNode {
  nodeId: number;
  hostname: string;
  domainName: string;
  pgport: number;
  adminUser: string;
  /** RUNNING or STOPPED. */
  status: string;
  remarks: string | null;
  /** pgsql_node_config: pgnode_backup_partition, logs_email, ... */
  config: Record<string, string>;
}

export interface PgbmBackupDefinition {
  defId: number;
  backupServerId: number;
  pgsqlNodeId: number;
  /** Empty for CLUSTER. */
  dbname: string;
  minutesCron: string | null;
  hoursCron: string | null;
  dayMonthCron: string | null;
  monthCron: string | null;
  weekdayCron: string | null;
  /** FULL, SCHEMA, DATA, CLUSTER, RDS, CONFIG. */
  backupCode: string;
  encryption: boolean;
  /** ISO 8601 duration, e.g. P7D. */
  retentionPeriod: string;
  retentionRedundancy: number;
  extraBackupParameters: string | null;
  /** ACTIVE, STOPPED, DELETED. */
  jobStatus: string;
  remarks: string | null;
}

export interface PgbmSnapshotDefinition {
  snapshotId: number;
  backupServerId: number;
  pgsqlNodeId: number;
  dbname: string;
  atTime: string;
  backupCode: string;
  retentionPeriod: string;
  extraBackupParameters: string | null;
  /** WAITING, DEFINED, ERROR. */
  status: string | null;
  remarks: string | null;
  /** PgBackMan 1.1+: the pg_dump release to use. */
  pgDumpRelease: string | null;
}

export interface PgbmRestoreDefinition {
  restoreDef: number;
  bckId: number;
  backupServerId: number;
  targetPgsqlNodeId: number;
  targetDbname: string;
  renamedDbname: string | null;
  atTime: string;
  status: string | null;
  /** Whether restore_catalog has a run of it. */
  ran: boolean;
}

/** One row of backup_catalog: a backup PgBackMan took. */
export interface PgbmBackupRun {
  bckId: number;
  defId: number | null;
  snapshotId: number | null;
  backupServerId: number;
  pgsqlNodeId: number;
  dbname: string;
  started: string | null;
  finished: string | null;
  registered: string;
  pgDumpFile: string | null;
  pgDumpFileSize: number | null;
  pgDumpLogFile: string | null;
  pgDumpRolesFile: string | null;
  pgDumpRolesFileSize: number | null;
  pgDumpDbconfigFile: string | null;
  pgDumpDbconfigFileSize: number | null;
  /** SUCCEEDED, ERROR, WARNING. */
  executionStatus: string | null;
  errorMessage: string | null;
  pgsqlNodeRelease: string | null;
  pgDumpRelease: string | null;
}

export interface PgbmCatalog {
  servers: PgbmServer[];
  nodes: PgbmNode[];
  backupDefinitions: PgbmBackupDefinition[];
  snapshotDefinitions: PgbmSnapshotDefinition[];
  restoreDefinitions: PgbmRestoreDefinition[];
  /** backup_server_default_config and pgsql_node_default_config: to tell a changed setting from a default. */
  serverDefaults: Record<string, string>;
  nodeDefaults: Record<string, string>;
}

export const fqdn = (o: { hostname: string; domainName: string }): string =>
  o.domainName ? `${o.hostname}.${o.domainName}` : o.hostname;
