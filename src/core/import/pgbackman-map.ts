// PgBackMan's catalog -> pgbackops documents, and a finding for every value without an exact equivalent
// (docs/migrating.md). Pure: the clock and the time zone to assume are passed in.
//
// The mapping:
// - backup_server -> BackupServer (host = FQDN, backupRoot = root_backup_partition, jobs run from
//   /etc/cron.d/pgbackops as the `pgbackman` user, as PgBackMan's own cron files did).
// - pgsql_node -> Node. PgBackMan assigns each definition, not each node, to a backup server; a pgbackops
//   Node has one. A node with definitions on several servers becomes one Node per server (same host).
// - backup_definition -> Backup (one database each, as in PgBackMan). FULL/SCHEMA/DATA are pg_dump
//   --format=d, i.e. format: directory; CLUSTER is pg_dumpall; RDS is a full dump. retention_period +
//   retention_redundancy -> a shared Retention with keepWithin + keepLast.
// - snapshot_definition -> Snapshot when it is still to come; one whose time has passed is not written
//   (a Snapshot is run when due, however late: writing it would take it again).
// - restore_definition: not written (see I_RESTORE_NOT_IMPORTED).
import { checkCronExpression } from '../cron/expression.js';
import type { RetentionSpec } from '../model.js';
import { nodeFile, distinctNames, joinName, slug, RETENTION_FILE, SERVERS_FILE, type ImportDocument, type ImportResult } from './documents.js';
import { compressionOf, dumpOptionFields, parseDumpArgs } from './dump-argv.js';
import type { ImportFinding } from './findings.js';
import { intervalToDuration } from './interval.js';
import { fqdn, type PgbmBackupDefinition, type PgbmCatalog, type PgbmNode, type PgbmServer, type PgbmSnapshotDefinition } from './pgbackman-catalog.js';
import { parseShell } from './sh-words.js';

export interface PgbackmanImportOptions {
  /** Epoch ms: snapshots at or before it are due already. */
  now: number;
  /** IANA time zone the backup servers' cron runs in (PgBackMan does not record it). */
  timezone: string;
}

/** How PgBackMan's ids map to pgbackops names: what the history import needs. */
export interface PgbackmanNames {
  servers: Map<number, { name: string; backupRoot: string }>;
  /** Name of the Node for (node id, server id); defined for every pair, written or not. */
  node(nodeId: number, serverId: number): string;
  definitions: Map<number, { name: string; retention: RetentionSpec; type: BackupKind }>;
  snapshots: Map<number, { name: string; keepFor: string; type: BackupKind }>;
}

type BackupKind = 'full' | 'schema' | 'data' | 'cluster';

const DEFAULT_PORT = 5432;
const JOB_USER = 'pgbackman';
const CRON_FILE = '/etc/cron.d/pgbackops';
const TYPE_OF: Record<string, BackupKind> = { FULL: 'full', SCHEMA: 'schema', DATA: 'data', CLUSTER: 'cluster', RDS: 'full' };

export function mapPgbackman(catalog: PgbmCatalog, options: PgbackmanImportOptions): ImportResult & { names: PgbackmanNames } {
  const findings: ImportFinding[] = [];
  const documents: ImportDocument[] = [];
  const byId = <T>(items: T[], id: (t: T) => number) => [...items].sort((a, b) => id(a) - id(b));
  const servers = byId(catalog.servers, (s) => s.serverId);
  const nodes = byId(catalog.nodes, (n) => n.nodeId);
  const definitions = byId(catalog.backupDefinitions, (d) => d.defId);
  const snapshots = byId(catalog.snapshotDefinitions, (s) => s.snapshotId);

  // Servers.
  const serverName = distinctNames(servers, (s) => slug(s.hostname), (s) => String(s.serverId));
  const serverInfo = new Map<number, { name: string; backupRoot: string }>();
  for (const s of servers) {
    const name = serverName.get(s)!;
    const backupRoot = s.config.root_backup_partition ?? catalog.serverDefaults.root_backup_partition ?? '/srv/pgbackman';
    serverInfo.set(s.serverId, { name, backupRoot });
    documents.push(serverDocument(s, name, backupRoot, catalog, options, findings));
  }

  // Which servers back up each node: its Node for the server with most of its definitions keeps the plain
  // name, the others get "<node>-<server>".
  const pairs = new Map<number, Map<number, number>>();
  const countPair = (nodeId: number, serverId: number) => {
    const m = pairs.get(nodeId) ?? new Map<number, number>();
    m.set(serverId, (m.get(serverId) ?? 0) + 1);
    pairs.set(nodeId, m);
  };
  for (const d of definitions) if (d.jobStatus !== 'DELETED') countPair(d.pgsqlNodeId, d.backupServerId);
  for (const s of snapshots) if (Date.parse(s.atTime) > options.now) countPair(s.pgsqlNodeId, s.backupServerId);
  const nodeBase = distinctNames(nodes, (n) => joinName(slug(n.hostname), n.pgport === DEFAULT_PORT ? '' : String(n.pgport)), (n) => String(n.nodeId));
  const nodeById = new Map(nodes.map((n) => [n.nodeId, n]));
  const primaryServer = new Map<number, number>();
  for (const n of nodes) {
    const counts = [...(pairs.get(n.nodeId) ?? new Map<number, number>())].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    if (counts.length > 0) primaryServer.set(n.nodeId, counts[0]![0]);
  }
  const nodeName = (nodeId: number, serverId: number): string => {
    const node = nodeById.get(nodeId);
    const base = node ? nodeBase.get(node)! : joinName('pgbackman-node', String(nodeId));
    return primaryServer.get(nodeId) === undefined || primaryServer.get(nodeId) === serverId ? base : joinName(base, serverInfo.get(serverId)?.name ?? String(serverId));
  };
  for (const n of nodes) {
    const servedBy = [...(pairs.get(n.nodeId)?.keys() ?? [])].filter((id) => serverInfo.has(id)).sort((a, b) => a - b);
    if (servedBy.length === 0) {
      if (servers.length === 0) {
        findings.push({ code: 'I_NODE_SKIPPED', object: nodeLabel(n), chosen: 'not written: there is no backup server to assign it to' });
        continue;
      }
      const chosen = servers[0]!;
      primaryServer.set(n.nodeId, chosen.serverId);
      servedBy.push(chosen.serverId);
      if (servers.length > 1) {
        findings.push({ code: 'I_NODE_SERVER_GUESSED', object: nodeLabel(n), chosen: `it has no definitions; backupServer: ${serverInfo.get(chosen.serverId)!.name} (the first registered server)` });
      }
    }
    if (servedBy.length > 1) {
      findings.push({
        code: 'I_NODE_SPLIT', object: nodeLabel(n),
        chosen: `backed up by ${servedBy.length} servers: Nodes ${servedBy.map((id) => nodeName(n.nodeId, id)).join(', ')}, one per server, same host`,
      });
    }
    for (const serverId of servedBy) documents.push(nodeDocument(n, nodeName(n.nodeId, serverId), serverInfo.get(serverId)!.name, catalog, findings));
  }

  // Backup definitions.
  const retentions = new Map<string, { spec: RetentionSpec; period: string; redundancy: number; defIds: number[] }>();
  const definitionInfo = new Map<number, { name: string; retention: RetentionSpec; type: BackupKind }>();
  const definitionName = distinctNames(definitions, (d) => backupBaseName(nodeName(d.pgsqlNodeId, d.backupServerId), d.backupCode, d.dbname), (d) => String(d.defId));
  for (const d of definitions) {
    const name = definitionName.get(d)!;
    const label = definitionLabel(d, nodeById);
    const retention = retentionOf(d.retentionPeriod, d.retentionRedundancy);
    const type = TYPE_OF[d.backupCode];
    if (type) definitionInfo.set(d.defId, { name, retention: retention.spec, type });
    if (!type) {
      findings.push({ code: 'I_BACKUP_CODE_UNSUPPORTED', object: label, chosen: `not written: pgbackops has no backup type for ${d.backupCode}` });
      continue;
    }
    if (d.jobStatus === 'DELETED') {
      findings.push({ code: 'I_DEFINITION_DELETED', object: label, chosen: `not written; its backups (with --with-history) are recorded under ${name} and expire by their retention (${describeRetention(retention.spec)})` });
      continue;
    }
    if (!serverInfo.has(d.backupServerId)) {
      findings.push({ code: 'I_NODE_SKIPPED', object: label, chosen: `not written: backup server ${d.backupServerId} does not exist` });
      continue;
    }
    const schedule = [d.minutesCron, d.hoursCron, d.dayMonthCron, d.monthCron, d.weekdayCron].map((f) => (f === null || f.trim() === '' ? '*' : f.trim())).join(' ');
    const cron = checkCronExpression(schedule);
    if (!cron.ok) {
      findings.push({ code: 'I_SCHEDULE_INVALID', object: label, chosen: `not written: schedule "${schedule}": ${cron.message}` });
      continue;
    }
    const retentionName = retentionNameOf(retention.spec);
    const known = retentions.get(retentionName) ?? { spec: retention.spec, period: d.retentionPeriod, redundancy: d.retentionRedundancy, defIds: [] };
    known.defIds.push(d.defId);
    retentions.set(retentionName, known);

    const spec: Record<string, unknown> = { node: nodeName(d.pgsqlNodeId, d.backupServerId) };
    if (type !== 'cluster') spec.databases = [d.dbname];
    spec.type = type;
    spec.schedule = schedule;
    if (type !== 'cluster') spec.format = 'directory';
    Object.assign(spec, dumpOptions(d.extraBackupParameters, type, label, findings));
    spec.retention = retentionName;
    if (d.jobStatus !== 'ACTIVE') spec.enabled = false;
    if (d.remarks) spec.remarks = d.remarks;
    if (d.backupCode === 'RDS') {
      findings.push({ code: 'I_BACKUP_CODE_APPROXIMATED', object: label, chosen: 'type: full (pgbackops also captures the roles and database settings the dump needs, from catalog queries; on RDS the role passwords are not readable)' });
    }
    if (d.encryption) findings.push({ code: 'I_ENCRYPTION_DROPPED', object: label, chosen: 'not encrypted (PgBackMan never implemented encryption either)' });
    documents.push({ kind: 'Backup', name, file: nodeFile(String(spec.node)), annotations: { 'pgbackman/def-id': String(d.defId) }, spec });
  }
  for (const [name, r] of retentions) {
    documents.push({ kind: 'Retention', name, file: RETENTION_FILE, annotations: { 'pgbackman/retention': `${r.period} / redundancy ${r.redundancy}` }, spec: { ...r.spec } });
    findings.push({
      code: 'I_RETENTION_APPROXIMATED',
      object: `retention_period ${r.period}, retention_redundancy ${r.redundancy} (${listIds('backup_definition', r.defIds)})`,
      chosen: `Retention ${name}: ${describeRetention(r.spec)}; keepWithin counts back from the newest successful backup, keepLast counts successful backups only`,
    });
  }

  // Snapshots.
  const snapshotInfo = new Map<number, { name: string; keepFor: string; type: BackupKind }>();
  const snapshotNames = distinctNames(snapshots, (s) => joinName(backupBaseName(nodeName(s.pgsqlNodeId, s.backupServerId), s.backupCode, s.dbname), `snapshot-${s.snapshotId}`), (s) => String(s.snapshotId));
  for (const s of snapshots) {
    const name = snapshotNames.get(s)!;
    const label = `snapshot_definition ${s.snapshotId} (${nodeLabelOf(s.pgsqlNodeId, nodeById)}, ${s.backupCode}${s.dbname ? `, database ${s.dbname}` : ''}, at ${s.atTime})`;
    const type = TYPE_OF[s.backupCode];
    const keepFor = intervalToDuration(s.retentionPeriod)?.duration ?? '1d';
    if (type) snapshotInfo.set(s.snapshotId, { name, keepFor, type });
    if (!type) {
      findings.push({ code: 'I_BACKUP_CODE_UNSUPPORTED', object: label, chosen: `not written: pgbackops has no backup type for ${s.backupCode}` });
      continue;
    }
    if (Date.parse(s.atTime) <= options.now) {
      findings.push({ code: 'I_SNAPSHOT_ALREADY_DUE', object: label, chosen: `not written (it would be taken again); its backups (with --with-history) are recorded under ${name}, kept for ${keepFor}` });
      continue;
    }
    documents.push(snapshotDocument(s, name, nodeName(s.pgsqlNodeId, s.backupServerId), type, keepFor, label, findings));
  }

  for (const r of [...catalog.restoreDefinitions].sort((a, b) => a.restoreDef - b.restoreDef)) {
    const label = `restore_definition ${r.restoreDef} (backup ${r.bckId} to ${nodeLabelOf(r.targetPgsqlNodeId, nodeById)}, database ${r.targetDbname}, at ${r.atTime})`;
    const why = r.ran ? 'it already ran'
      : Date.parse(r.atTime) <= options.now ? 'its time has passed'
        : 'pgbackops restores only backups it took itself (their manifest, checksums and captured roles); run it with PgBackMan before switching over';
    findings.push({ code: 'I_RESTORE_NOT_IMPORTED', object: label, chosen: `not written: ${why}` });
  }

  return {
    documents,
    findings,
    names: { servers: serverInfo, node: nodeName, definitions: definitionInfo, snapshots: snapshotInfo },
  };
}

function serverDocument(s: PgbmServer, name: string, backupRoot: string, catalog: PgbmCatalog, options: PgbackmanImportOptions, findings: ImportFinding[]): ImportDocument {
  const label = `backup_server ${s.serverId} (${fqdn(s)})`;
  const spec: Record<string, unknown> = {
    host: fqdn(s),
    backupRoot,
    timezone: options.timezone,
    scheduler: { type: 'cron.d', file: CRON_FILE, user: JOB_USER },
  };
  const binDirs: Record<string, string> = {};
  for (const [parameter, value] of Object.entries(s.config).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const release = /^pgsql_bin_(\d+)(?:_(\d+))?$/.exec(parameter);
    if (!release || value === catalog.serverDefaults[parameter]) continue;
    if (release[2] === undefined && Number(release[1]) >= 10) binDirs[release[1]!] = value;
    else findings.push({ code: 'I_SERVER_SETTING_DROPPED', object: label, chosen: `${parameter} = ${value} not written: pgbackops runs pg_dump 10 or later (pgBinDirs are by major version)` });
  }
  if (Object.keys(binDirs).length > 0) spec.pgBinDirs = binDirs;
  if (s.remarks) spec.remarks = s.remarks;
  findings.push({ code: 'I_TIMEZONE_ASSUMED', object: label, chosen: `timezone: ${options.timezone} (set it to the zone the server's cron runs in; --timezone)` });
  findings.push({ code: 'I_BACKUP_LOCATION_CHANGED', object: label, chosen: `backupRoot: ${backupRoot}; new backups go to ${backupRoot}/<node>/<definition>/, PgBackMan's stay where they are` });
  if (s.status !== 'RUNNING') findings.push({ code: 'I_SERVER_STATUS_DROPPED', object: label, chosen: `status ${s.status} not written: stop its nodes (status: stopped) or disable its definitions` });
  return { kind: 'BackupServer', name, file: SERVERS_FILE, annotations: { 'pgbackman/server-id': String(s.serverId) }, spec };
}

function nodeDocument(n: PgbmNode, name: string, server: string, catalog: PgbmCatalog, findings: ImportFinding[]): ImportDocument {
  const spec: Record<string, unknown> = { host: fqdn(n) };
  if (n.pgport !== DEFAULT_PORT) spec.port = n.pgport;
  spec.user = n.adminUser;
  if (n.status !== 'RUNNING') spec.status = 'stopped';
  spec.backupServer = server;
  if (n.remarks) spec.remarks = n.remarks;
  for (const parameter of ['logs_email', 'extra_restore_parameters']) {
    const value = n.config[parameter];
    if (value !== undefined && value !== '' && value !== catalog.nodeDefaults[parameter]) {
      findings.push({
        code: 'I_NODE_SETTING_DROPPED', object: `${nodeLabel(n)} as Node ${name}`,
        chosen: `${parameter} = ${value} not written: ${parameter === 'logs_email' ? 'pgbackops reports through `pgbackops status` and /metrics, not e-mail' : 'pgbackops restores take no extra pg_restore parameters'}`,
      });
    }
  }
  return { kind: 'Node', name, file: nodeFile(name), annotations: { 'pgbackman/node-id': String(n.nodeId) }, spec };
}

function snapshotDocument(s: PgbmSnapshotDefinition, name: string, node: string, type: BackupKind, keepFor: string, label: string, findings: ImportFinding[]): ImportDocument {
  const spec: Record<string, unknown> = { node };
  if (type !== 'cluster') spec.databases = [s.dbname];
  spec.type = type;
  spec.at = new Date(Date.parse(s.atTime)).toISOString().replace(/\.000Z$/, 'Z');
  spec.keepFor = keepFor;
  if (type !== 'cluster') spec.format = 'directory';
  Object.assign(spec, dumpOptions(s.extraBackupParameters, type, label, findings));
  if (s.remarks) spec.remarks = s.remarks;
  if (s.pgDumpRelease) findings.push({ code: 'I_SNAPSHOT_SETTING_DROPPED', object: label, chosen: `pg_dump release ${s.pgDumpRelease} not written: pgbackops uses a pg_dump at least as new as the node (pgBinDirs)` });
  const period = intervalToDuration(s.retentionPeriod);
  if (!period?.duration || !period.exact) findings.push({ code: 'I_RETENTION_APPROXIMATED', object: label, chosen: `keepFor: ${keepFor} for retention_period ${s.retentionPeriod}` });
  return { kind: 'Snapshot', name, file: nodeFile(node), annotations: { 'pgbackman/snapshot-id': String(s.snapshotId) }, spec };
}

/**
 * extra_backup_parameters: pgbackman_dump appended them to a `sh -c` command line, so they are read as shell
 * words, then as pg_dump (pg_dumpall for CLUSTER) options.
 */
function dumpOptions(parameters: string | null, type: BackupKind, label: string, findings: ImportFinding[]): Record<string, unknown> {
  if (!parameters || parameters.trim() === '') return {};
  const drop = (arg: string, why: string) => findings.push({ code: 'I_OPTION_DROPPED', object: label, chosen: `extra parameter ${arg} left out: ${why}` });
  const parsed = parseShell(parameters);
  if (!parsed.ok || parsed.commands.length !== 1 || parsed.commands[0]!.redirections.length > 0 || parsed.commands[0]!.assignments.length > 0) {
    drop(JSON.stringify(parameters), parsed.ok ? 'it is more than options (redirections, several commands)' : parsed.problem);
    return {};
  }
  const words = parsed.commands[0]!.words;
  const dynamic = words.filter((w) => w.dynamic);
  for (const w of dynamic) drop(w.text, 'its value is only known when a shell runs it');
  const args = parseDumpArgs(type === 'cluster' ? 'pg_dumpall' : 'pg_dump', words.filter((w) => !w.dynamic));
  if (args.problem) {
    drop(JSON.stringify(parameters), args.problem);
    return {};
  }
  const { spec, dropped } = dumpOptionFields(args);
  for (const d of dropped) drop(d.arg, d.why);
  for (const key of Object.keys(args.connection)) drop(`${key}=${key === 'password' ? '***' : args.connection[key]}`, 'the connection comes from the Node');
  if (args.connection.password !== undefined) findings.push({ code: 'I_PASSWORD_NOT_IMPORTED', object: label, chosen: 'a password in the extra parameters was not written: give it to libpq in a password file (Node passfile)' });
  if (args.database) drop(args.database.text, 'the database comes from the definition');
  if (args.file) drop(`--file=${args.file.text}`, 'pgbackops decides where a backup is written');
  if (args.format) drop(`--format=${args.format}`, 'PgBackMan dumps are directory archives, and so are the imported definitions');
  if (args.schemaOnly || args.dataOnly || args.globalsOnly) drop(args.schemaOnly ? '--schema-only' : args.dataOnly ? '--data-only' : '--globals-only', 'the backup type decides what is dumped');
  // Only pg_dump reads -j (parseDumpArgs refuses it for pg_dumpall).
  if (args.jobs !== null && args.jobs > 1) spec.jobs = args.jobs;
  if (args.compress !== null) {
    const compression = type === 'cluster' ? null : compressionOf(args.compress);
    if (compression) spec.compression = compression;
    else drop(`--compress=${args.compress}`, type === 'cluster' ? 'a cluster dump is compressed with gzip, as PgBackMan did' : 'not a compression pgbackops knows');
  }
  return spec;
}

/** keepWithin from the period (seconds rounded up to a minute), keepLast from the redundancy. */
function retentionOf(period: string, redundancy: number): { spec: RetentionSpec } {
  const spec: RetentionSpec = {};
  const within = intervalToDuration(period)?.duration;
  if (within) spec.keepWithin = within;
  if (redundancy > 0) spec.keepLast = redundancy;
  // Neither: PgBackMan would delete every backup but pgbackops never deletes the newest; keep that one.
  if (!within && redundancy <= 0) spec.keepLast = 1;
  return { spec };
}

function retentionNameOf(spec: RetentionSpec): string {
  return joinName('pgbackman', spec.keepWithin ?? '', spec.keepLast !== undefined ? `last${spec.keepLast}` : '');
}

function describeRetention(spec: RetentionSpec): string {
  return [spec.keepWithin ? `keepWithin: ${spec.keepWithin}` : '', spec.keepLast !== undefined ? `keepLast: ${spec.keepLast}` : ''].filter(Boolean).join(', ');
}

function backupBaseName(node: string, code: string, dbname: string): string {
  if (code === 'CLUSTER') return joinName(node, 'cluster');
  const kind = code === 'FULL' ? '' : slug(code);
  return kind === '' ? joinName(node, slug(dbname, 63, 'db')) : joinName(node, slug(dbname, 63, 'db'), kind);
}

function nodeLabel(n: PgbmNode): string {
  return `pgsql_node ${n.nodeId} (${fqdn(n)}:${n.pgport})`;
}

function nodeLabelOf(nodeId: number, nodes: Map<number, PgbmNode>): string {
  const n = nodes.get(nodeId);
  return n ? `${fqdn(n)}:${n.pgport}` : `node ${nodeId}`;
}

function definitionLabel(d: PgbmBackupDefinition, nodes: Map<number, PgbmNode>): string {
  return `backup_definition ${d.defId} (${nodeLabelOf(d.pgsqlNodeId, nodes)}, ${d.backupCode}${d.dbname ? `, database ${d.dbname}` : ''})`;
}

function listIds(table: string, ids: number[]): string {
  const shown = ids.slice(0, 5).join(', ');
  return ids.length > 5 ? `${table} ${shown} and ${ids.length - 5} more` : `${table} ${shown}`;
}
