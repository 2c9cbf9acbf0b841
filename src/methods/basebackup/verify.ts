// `pgbackops verify` of a base backup: its files against their checksums, then backup_manifest with
// pg_verifybackup (the tars extracted into a scratch directory beside the backup, removed afterwards); with
// --restore, a trial: restored into a temporary directory, started on a free port, recovered to the backup's
// end (or the target given, as `restore --to-dir` takes it), connected to, its databases listed and, where amcheck is installed, every B-tree index checked with
// bt_index_check, then stopped and removed. The trial is recorded as a restore with
// purpose 'trial', whose recovery time is the evidence of how long a real restore takes (the RTO).
import { chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Catalog } from '../../adapters/catalog/catalog.js';
import { freePort } from '../../adapters/os/free-port.js';
import type { BackupRow } from '../../adapters/catalog/report-queries.js';
import { isRoot, lookupOsUser, DEFAULT_INSTANCE_USER } from '../../adapters/os/os-user.js';
import { findTool } from '../../adapters/postgres/tools.js';
import type { NodeSpec } from '../../core/model.js';
import { verifyBackupFiles } from '../../jobs/verify-files.js';
import type { VerifyOutcome, VerifyRequest } from '../method.js';
import { stopRestoredCluster } from '../physical/start-restored-cluster.js';
import { describeRecoveryTarget, type RecoveryTarget } from '../../core/restore/directory-restore.js';
import { restoreBasebackupToDirectory } from './restore-to-directory.js';
import { verifyWithPgVerifybackup } from './verify-manifest.js';

export async function verifyBasebackup(catalog: Catalog, row: BackupRow, request: VerifyRequest): Promise<VerifyOutcome> {
  const outcome: VerifyOutcome = {
    backupId: row.id, files: { checked: 0, problems: [] },
    archive: { checked: false, entries: null, problem: null, note: null }, trial: null, ok: false,
  };
  if (row.status !== 'succeeded' || !row.directory) {
    outcome.files.problems.push(`backup ${row.id} is ${row.status}: it holds no backup files`);
    return outcome;
  }
  outcome.files = await verifyBackupFiles(row.directory, row.files, row.backupServer, request.onHashProgress ? { onProgress: request.onHashProgress } : {});
  if (outcome.files.problems.length > 0) return outcome;
  const major = row.serverVersion ? Number(row.serverVersion.split('.')[0]) : 0;
  const scratch = join(row.directory, `.verify-${process.pid}`);
  const check = await verifyWithPgVerifybackup(row.directory, scratch, major).catch((err: Error) => ({ ok: false, how: 'pg_verifybackup', problem: err.message }));
  outcome.archive = { checked: true, entries: null, problem: check.ok ? null : `${check.how}: ${check.problem}`, note: check.ok ? `backup_manifest verified by ${check.how}` : null };
  if (!check.ok) return outcome;
  if (request.trialNode !== undefined) {
    outcome.trial = { outcome: null, scratchDatabase: null, durationMs: null, problem: 'a basebackup is tried by restoring it into a directory: give --restore without --to-node' };
  } else if (request.trialRestore) {
    outcome.trial = await trialRestore(catalog, row, request);
  }
  outcome.ok = outcome.trial === null || outcome.trial.problem === null;
  return outcome;
}

async function trialRestore(catalog: Catalog, row: BackupRow, request: VerifyRequest): Promise<NonNullable<VerifyOutcome['trial']>> {
  const parent = await mkdtemp(join(tmpdir(), `pgbackops-verify-${row.id.slice(0, 8)}-`));
  // PostgreSQL refuses to run as root: as root, the trial cluster belongs to the PostgreSQL OS user.
  if (isRoot()) {
    const user = await lookupOsUser(DEFAULT_INSTANCE_USER);
    await chown(parent, user.uid, user.gid);
  }
  const toDir = join(parent, 'data');
  // The backup's tablespaces, if any, go beside it: <temp>/tablespaces/<OID>, removed with it.
  const tablespaces = join(parent, 'tablespaces');
  await mkdir(tablespaces, { mode: 0o700 });
  if (isRoot()) {
    const user = await lookupOsUser(DEFAULT_INSTANCE_USER);
    await chown(tablespaces, user.uid, user.gid);
  }
  const port = await freePort();
  try {
    const restored = await restoreBasebackupToDirectory(catalog, {
      backup: row, options: { toDir, target: { kind: 'end' }, ...request.recovery, tablespacesUnder: tablespaces, start: { port } }, dryRun: false, purpose: 'trial',
      stateDir: request.stateDir, actor: request.actor, logger: request.logger, ...(request.now ? { now: request.now } : {}),
    });
    const record = restored.record;
    const durationMs = restored.result?.recoveryTimeMs ?? null;
    if (!record) return { outcome: null, scratchDatabase: null, durationMs: null, problem: `the trial restore was refused: ${restored.plan.refusals.join('; ')}`, record: null };
    if (record.status !== 'succeeded') return { outcome: null, scratchDatabase: null, durationMs, problem: record.failureReason ?? 'the trial restore failed', record };
    let databases: string[] = [];
    let problem: string | null = null;
    let indexes = '';
    try {
      const login = await loginOf(catalog, row);
      databases = await listDatabases(login, toDir, port);
      const amcheck = await checkIndexes(login, databases, toDir, port);
      indexes = `; ${amcheck.summary}`;
      if (amcheck.problems.length > 0) problem = `amcheck found corrupted indexes: ${amcheck.problems.join('; ')}`;
    } catch (err) {
      problem = `the trial cluster started but could not be queried: ${(err as Error).message}`;
    }
    await stop(toDir, row);
    return {
      outcome: null, scratchDatabase: null, durationMs, problem, record,
      description: `trial restore into a temporary directory, recovered to ${reachedOf(restored.result?.reached ?? null, request.recovery?.target ?? { kind: 'end' })} and promoted, databases ${databases.join(', ')}${indexes}; stopped and removed (restore ${record.id})`,
    };
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
}

/** The trial's recovery target as its outcome says it, with the point reached when the server reported one. */
function reachedOf(reached: { lsn: string | null; time: string | null } | null, target: RecoveryTarget): string {
  const asked = target.kind === 'end' ? "the backup's end" : `target ${describeRecoveryTarget(target)}`;
  const point = [reached?.lsn ? `LSN ${reached.lsn}` : null, reached?.time ? `last commit ${reached.time}` : null].filter((p) => p !== null);
  return point.length > 0 ? `${asked} (${point.join(', ')})` : asked;
}

interface Login {
  user: string;
  maintenanceDatabase: string;
}

/** Who connects to the trial cluster: the node's user (its roles are the node's). */
async function loginOf(catalog: Catalog, row: BackupRow): Promise<Login> {
  const node = (await catalog.readSnapshot()).objects.find((o) => o.kind === 'Node' && o.name === row.node)?.spec as NodeSpec | undefined;
  return { user: node?.user ?? DEFAULT_INSTANCE_USER, maintenanceDatabase: node?.maintenanceDatabase ?? 'postgres' };
}

async function withClient<T>(login: Login, database: string, socketDir: string, port: number, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: socketDir, port, user: login.user, database });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The trial cluster's databases that accept connections, through its socket. */
async function listDatabases(login: Login, socketDir: string, port: number): Promise<string[]> {
  return withClient(login, login.maintenanceDatabase, socketDir, port, async (client) =>
    (await client.query<{ datname: string }>('select datname from pg_database where not datistemplate and datallowconn order by datname')).rows.map((r) => r.datname));
}

/**
 * amcheck's bt_index_check on every valid B-tree index of every database of the trial copy, when the extension
 * is installed on this machine: corruption the files' checksums cannot see (they prove the backup is what the
 * server sent, not that what it sent was sound). The extension is created in the trial copy only, which is
 * removed afterwards; creating it needs a superuser, so a node user without that skips the check, saying so.
 */
async function checkIndexes(login: Login, databases: readonly string[], socketDir: string, port: number): Promise<{ summary: string; problems: string[] }> {
  const available = await withClient(login, login.maintenanceDatabase, socketDir, port, async (client) =>
    (await client.query<{ ok: boolean }>(`select exists (select 1 from pg_available_extensions where name = 'amcheck') as ok`)).rows[0]!.ok);
  if (!available) return { summary: 'amcheck is not installed here: indexes not checked', problems: [] };
  let checked = 0;
  const problems: string[] = [];
  for (const database of databases) {
    const skipped = await withClient(login, database, socketDir, port, async (client) => {
      try {
        await client.query('create extension if not exists amcheck');
      } catch (err) {
        return `amcheck could not be created in ${database} as ${login.user} (${(err as Error).message}): indexes not checked`;
      }
      const { rows } = await client.query<{ oid: number; name: string }>(`select c.oid::int as oid, c.oid::regclass::text as name
        from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am a on a.oid = c.relam
        where a.amname = 'btree' and c.relpersistence <> 't' and i.indisvalid and i.indisready order by c.oid`);
      for (const index of rows) {
        try {
          await client.query('select bt_index_check($1::oid::regclass)', [index.oid]);
          checked++;
        } catch (err) {
          problems.push(`${database}: ${index.name}: ${(err as Error).message}`);
        }
      }
      return null;
    });
    if (skipped) return { summary: skipped, problems };
  }
  return { summary: `amcheck bt_index_check: ${checked} B-tree indexes in ${databases.length} databases sound`, problems };
}

async function stop(dir: string, row: BackupRow): Promise<void> {
  const pgCtl = await findTool('pg_ctl', row.serverVersion ? Number(row.serverVersion.split('.')[0]) : 0);
  await stopRestoredCluster(pgCtl.path, dir);
}
