// `pgbackops verify` of a base backup: its files against their checksums, then backup_manifest with
// pg_verifybackup (the tars extracted into a scratch directory beside the backup, removed afterwards); with
// --restore, a trial: restored into a temporary directory, started on a free port, recovered to the backup's
// end, connected to and its databases listed, stopped and removed. The trial is recorded as a restore with
// purpose 'trial', whose recovery time is the evidence of how long a real restore takes (the RTO).
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Catalog } from '../../adapters/catalog/catalog.js';
import type { BackupRow } from '../../adapters/catalog/report-queries.js';
import { isRoot, lookupOsUser, DEFAULT_INSTANCE_USER } from '../../adapters/os/os-user.js';
import { runProgram } from '../../adapters/os/run-program.js';
import { findTool } from '../../adapters/postgres/tools.js';
import type { NodeSpec } from '../../core/model.js';
import { verifyBackupFiles } from '../../jobs/verify-files.js';
import type { VerifyOutcome, VerifyRequest } from '../method.js';
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
  outcome.files = await verifyBackupFiles(row.directory, row.files, row.backupServer, request.onHashProgress);
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
  const port = await freePort();
  try {
    const restored = await restoreBasebackupToDirectory(catalog, {
      backup: row, options: { toDir, target: { kind: 'end' }, start: { port } }, dryRun: false, purpose: 'trial',
      stateDir: request.stateDir, actor: request.actor, logger: request.logger, ...(request.now ? { now: request.now } : {}),
    });
    const record = restored.record;
    const durationMs = restored.result?.recoveryTimeMs ?? null;
    if (!record) return { outcome: null, scratchDatabase: null, durationMs: null, problem: `the trial restore was refused: ${restored.plan.refusals.join('; ')}`, record: null };
    if (record.status !== 'succeeded') return { outcome: null, scratchDatabase: null, durationMs, problem: record.failureReason ?? 'the trial restore failed', record };
    let databases: string[] = [];
    let problem: string | null = null;
    try {
      databases = await listDatabases(catalog, row, toDir, port);
    } catch (err) {
      problem = `the trial cluster started but could not be queried: ${(err as Error).message}`;
    }
    await stop(toDir, row);
    return {
      outcome: null, scratchDatabase: null, durationMs, problem, record,
      description: `trial restore into a temporary directory, recovered to the backup's end and promoted, databases ${databases.join(', ')}; stopped and removed (restore ${record.id})`,
    };
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
}

/** The trial cluster's databases, through its socket, as the node's user (its roles are the node's). */
async function listDatabases(catalog: Catalog, row: BackupRow, socketDir: string, port: number): Promise<string[]> {
  const node = (await catalog.readSnapshot()).objects.find((o) => o.kind === 'Node' && o.name === row.node)?.spec as NodeSpec | undefined;
  const client = new pg.Client({ host: socketDir, port, user: node?.user ?? DEFAULT_INSTANCE_USER, database: node?.maintenanceDatabase ?? 'postgres' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<{ datname: string }>('select datname from pg_database where not datistemplate order by datname')).rows.map((r) => r.datname);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function stop(dir: string, row: BackupRow): Promise<void> {
  const pgCtl = await findTool('pg_ctl', row.serverVersion ? Number(row.serverVersion.split('.')[0]) : 0);
  const user = isRoot() ? await lookupOsUser(DEFAULT_INSTANCE_USER) : null;
  await runProgram(pgCtl.path, ['stop', '-D', dir, '-m', 'fast', '-w'], { cwd: '/', ...(user ? { uid: user.uid, gid: user.gid } : {}) });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
