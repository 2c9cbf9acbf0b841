// The basebackup method's prerequisites on a node, checked from this backup server: each finding says what
// was found or what to change. Read-only: pgbackops never alters a node's settings; `check` says what to set.
//
// The checks are a list (BASEBACKUP_CHECKS) run against facts read once from the node: a WAL receiver's checks
// (its slot, its process) are added to the list, not to this file's control flow.
import pg from 'pg';
import { nodeClientConfig } from '../../adapters/postgres/node-connection.js';
import { findTool } from '../../adapters/postgres/tools.js';
import type { CheckTarget, PrerequisiteCheck } from '../method.js';
import { findArchived } from './wal-archive.js';

/** Connect timeout: an unreachable node is reported rather than waited for. */
const CONNECT_TIMEOUT_MS = 10_000;
/** pg_basebackup --wal-method=stream holds two WAL senders while it runs. */
const SENDERS_PER_BACKUP = 2;

/** What the node says, read once for every check. */
export interface NodeSettings {
  version: string;
  major: number;
  user: string;
  superuser: boolean;
  replication: boolean;
  walLevel: string;
  maxWalSenders: number;
  walSendersInUse: number;
  archiveMode: string;
  archiveCommand: string;
  archiveLibrary: string;
  lastArchivedWal: string | null;
  lastArchivedTime: string | null;
  lastFailedWal: string | null;
  lastFailedTime: string | null;
  /** The replication slot named by the Node's walArchive, when it has one: null when the node has no such slot. */
  slot: { active: boolean; walStatus: string | null; retainedBytes: number | null } | null;
}

export interface CheckContext {
  target: CheckTarget;
  node: NodeSettings;
}

export type NodeCheck = (ctx: CheckContext) => Promise<PrerequisiteCheck>;

const roleCheck: NodeCheck = async ({ node }) => ({
  name: 'replication role',
  ok: node.superuser || node.replication,
  detail: node.superuser ? `${node.user} is a superuser` : node.replication ? `${node.user} has REPLICATION`
    : `${node.user} has neither REPLICATION nor superuser: run ALTER ROLE ${quoteIdent(node.user)} REPLICATION on the node (or set the Node's user to a role that has it)`,
});

const walLevelCheck: NodeCheck = async ({ node }) => ({
  name: 'wal_level',
  ok: node.walLevel === 'replica' || node.walLevel === 'logical',
  detail: node.walLevel === 'minimal'
    ? 'wal_level is minimal: set wal_level = replica in the node\'s postgresql.conf and restart it (a base backup and WAL archiving need it)'
    : `wal_level is ${node.walLevel}`,
});

const sendersCheck: NodeCheck = async ({ node }) => {
  const free = node.maxWalSenders - node.walSendersInUse;
  return {
    name: 'max_wal_senders',
    ok: free >= SENDERS_PER_BACKUP,
    detail: node.maxWalSenders === 0
      ? 'max_wal_senders is 0: set it to 10 (the default) in the node\'s postgresql.conf and restart it'
      : `${node.maxWalSenders} WAL senders, ${node.walSendersInUse} in use, ${free} free${free < SENDERS_PER_BACKUP ? `: a base backup needs ${SENDERS_PER_BACKUP} (pg_basebackup streams its WAL); raise max_wal_senders and restart the node` : ''}`,
  };
};

const replicationConnectionCheck: NodeCheck = async ({ target }) => {
  const client = new pg.Client({ ...nodeClientConfig(target.node, target.node.maintenanceDatabase), replication: 'true', connectionTimeoutMillis: CONNECT_TIMEOUT_MS } as pg.ClientConfig);
  client.on('error', () => undefined);
  try {
    await client.connect();
    const row = (await client.query<{ systemid: string; timeline: number }>('IDENTIFY_SYSTEM')).rows[0];
    return { name: 'replication connection', ok: true, detail: `connected with replication=true (system ${row?.systemid}, timeline ${row?.timeline})` };
  } catch (err) {
    return {
      name: 'replication connection', ok: false,
      detail: `a replication connection as ${target.node.user} was refused: ${(err as Error).message}; add a line such as "host replication ${target.node.user} <backup server address>/32 scram-sha-256" to the node's pg_hba.conf and reload it`,
    };
  } finally {
    await client.end().catch(() => undefined);
  }
};

const toolCheck = (name: 'pg_basebackup' | 'pg_verifybackup'): NodeCheck => async ({ target, node }) => {
  const tool = await findTool(name, node.major, target.pgBinDirs).catch((err: Error) => err);
  return tool instanceof Error
    ? { name, ok: false, detail: tool.message }
    : { name, ok: true, detail: `${tool.path} (${tool.version}) for a PostgreSQL ${node.version} server` };
};

const archiveCheck: NodeCheck = async (ctx) => (ctx.target.node.walArchive?.enabled ? receiverArchiveCheck(ctx) : commandArchiveCheck(ctx));

/**
 * A node archived by pg_receivewal (walArchive): its slot, which the receiver creates on its first start
 * (docs/operations.md, "The WAL archive"); archive_command is not needed then.
 */
const receiverArchiveCheck: NodeCheck = async ({ target, node }) => {
  const name = 'wal archive';
  const slot = target.node.walArchive!.slot;
  if (!node.slot) {
    return { name, ok: false, detail: `walArchive names the slot ${slot}, which the node does not have yet: the receiver creates it when it starts (run the daemon on the node's backup server, or \`pgbackops wal-receive --node ${target.node.name}\`)` };
  }
  if (node.slot.walStatus === 'lost') {
    return { name, ok: false, detail: `slot ${slot}: wal_status is lost (the node removed WAL the slot needed): the archive has a gap; take a new base backup` };
  }
  const retained = node.slot.retainedBytes === null ? '' : `, keeps ${node.slot.retainedBytes} bytes of WAL on the node`;
  return {
    name, ok: node.slot.active,
    detail: node.slot.active
      ? `slot ${slot} is streamed to the archive (wal_status ${node.slot.walStatus ?? 'unknown'}${retained})`
      : `slot ${slot} exists but nothing streams from it${retained}: start the receiver (the daemon on the node's backup server, or \`pgbackops wal-receive --node ${target.node.name}\`); meanwhile the slot holds WAL on the node`,
  };
};

const commandArchiveCheck: NodeCheck = async ({ target, node }) => {
  const name = 'wal archive';
  if (node.archiveMode === 'off' || (node.archiveCommand === '' && node.archiveLibrary === '')) {
    return {
      name, ok: false,
      detail: `archive_mode is ${node.archiveMode}${node.archiveCommand === '' ? ' and archive_command is empty' : ''}: point-in-time recovery needs the node's WAL in ${target.archiveDir ?? '<backupRoot>/<node>/_wal/'}; set archive_mode = on and an archive_command that copies into it (docs/restore.md, "Physical backups"), then restart the node`,
    };
  }
  if (node.lastFailedTime !== null && (node.lastArchivedTime === null || node.lastFailedTime > node.lastArchivedTime)) {
    return { name, ok: false, detail: `archive_command is failing: the last attempt, for ${node.lastFailedWal} at ${node.lastFailedTime}, failed (pg_stat_archiver); read the node's log` };
  }
  if (target.archiveDir && node.lastArchivedWal !== null && !(await findArchived(target.archiveDir, node.lastArchivedWal))) {
    return { name, ok: false, detail: `the node last archived ${node.lastArchivedWal}, which is not in ${target.archiveDir}: archive_command writes somewhere else` };
  }
  return {
    name, ok: true,
    detail: node.lastArchivedWal === null
      ? `archive_mode is ${node.archiveMode}, archive_command is set; nothing archived yet`
      : `archive_mode is ${node.archiveMode}; last archived ${node.lastArchivedWal} at ${node.lastArchivedTime}${target.archiveDir ? `, present in ${target.archiveDir}` : ''}`,
  };
};

/** The checks, in the order they are printed. A WAL receiver's checks are appended here. */
export const BASEBACKUP_CHECKS: NodeCheck[] = [
  roleCheck, walLevelCheck, sendersCheck, replicationConnectionCheck, toolCheck('pg_basebackup'), toolCheck('pg_verifybackup'), archiveCheck,
];

const CHECK_NAMES = ['replication role', 'wal_level', 'max_wal_senders', 'replication connection', 'pg_basebackup', 'pg_verifybackup', 'wal archive'];

export async function checkBasebackupPrerequisites(target: CheckTarget): Promise<PrerequisiteCheck[]> {
  const { node } = target;
  let settings: NodeSettings;
  try {
    settings = await readNodeSettings(target);
  } catch (err) {
    const connection = { name: 'connection', ok: false, detail: `cannot connect to node ${node.name} (${node.host}:${node.port}, user ${node.user}, database ${node.maintenanceDatabase}): ${(err as Error).message}` };
    return [connection, ...CHECK_NAMES.map((name) => ({ name, ok: false, detail: 'not checked: the node cannot be reached' }))];
  }
  const checks: PrerequisiteCheck[] = [{ name: 'connection', ok: true, detail: `connected to node ${node.name} (${node.host}:${node.port}, user ${node.user}): PostgreSQL ${settings.version}` }];
  for (const check of BASEBACKUP_CHECKS) checks.push(await check({ target, node: settings }));
  return checks;
}

async function readNodeSettings(target: CheckTarget): Promise<NodeSettings> {
  const client = new pg.Client({ ...nodeClientConfig(target.node, target.node.maintenanceDatabase), connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const row = (await client.query(`
      select current_setting('server_version') as version, current_setting('server_version_num')::int as num, current_user as "user",
             r.rolsuper as superuser, r.rolreplication as replication,
             current_setting('wal_level') as wal_level, current_setting('max_wal_senders')::int as max_wal_senders,
             (select count(*)::int from pg_stat_replication) as senders_in_use,
             current_setting('archive_mode') as archive_mode, current_setting('archive_command') as archive_command,
             coalesce(current_setting('archive_library', true), '') as archive_library,
             a.last_archived_wal, a.last_archived_time, a.last_failed_wal, a.last_failed_time
        from pg_roles r, pg_stat_archiver a where r.rolname = current_user`)).rows[0] as Record<string, unknown>;
    const slotName = target.node.walArchive?.enabled ? target.node.walArchive.slot : null;
    const slot = slotName === null ? null : ((await client.query(
      `select active, wal_status, (pg_current_wal_lsn() - restart_lsn)::float8 as retained
         from pg_replication_slots where slot_name = $1 and slot_type = 'physical'`, [slotName])).rows[0] as Record<string, unknown> | undefined) ?? null;
    const num = row.num as number;
    const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : null);
    return {
      version: String(row.version).split(' ')[0]!, major: num >= 100000 ? Math.floor(num / 10000) : Math.floor(num / 100) / 100,
      user: String(row.user), superuser: Boolean(row.superuser), replication: Boolean(row.replication),
      walLevel: String(row.wal_level), maxWalSenders: row.max_wal_senders as number, walSendersInUse: row.senders_in_use as number,
      archiveMode: String(row.archive_mode), archiveCommand: String(row.archive_command), archiveLibrary: String(row.archive_library),
      lastArchivedWal: (row.last_archived_wal as string | null) ?? null, lastArchivedTime: iso(row.last_archived_time),
      lastFailedWal: (row.last_failed_wal as string | null) ?? null, lastFailedTime: iso(row.last_failed_time),
      slot: slot === null ? null : {
        active: Boolean(slot.active), walStatus: (slot.wal_status as string | null) ?? null,
        retainedBytes: slot.retained === null ? null : Number(slot.retained),
      },
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}
