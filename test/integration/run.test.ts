// `pgbackops run` end to end through the built CLI: real node cluster (seeded), real catalog cluster, real
// pg_dump. Backups are restored into a fresh cluster and compared; the catalog outage, kill -9, overlap and
// failure paths are exercised for real.
import { gunzipSync } from 'node:zlib';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { constants } from 'node:os';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../helpers/pg-cluster.js';
import { execa } from 'execa';
import { CLI, applyConverged, pgbackops, spawnPgbackops } from '../helpers/cli.js';
import { backupSpecDoc, retentionDoc, serverDoc, tempDir, writeConfig } from '../helpers/config.js';
import { databaseState, nodeOf, pgRestore, plainDump, psqlFile, rolesState } from '../helpers/pg-tools.js';
import { seedDatabase } from '../helpers/seed.js';

const DB = 'Shop "Ω" db=1';

let node: TestCluster;
let catalog: TestCluster;
let work: string;
let configDir: string;
let stateDir: string;
let backupRoot: string;
let catalogConfig: pg.ClientConfig;
let catalogUrl: string;

beforeAll(async () => {
  [node, catalog] = await Promise.all([startTestCluster(), startTestCluster()]);
  await seedDatabase(node.config, DB, 2000);
  const admin = new pg.Client(node.adminConfig);
  await admin.connect();
  await admin.query('create database "second"');
  await admin.query('create database scratch');
  await admin.end();
});
afterAll(async () => {
  await Promise.all([node?.stop(), catalog?.stop()]);
});

beforeEach(async () => {
  work = tempDir('run');
  configDir = join(work, 'config');
  stateDir = join(work, 'state');
  backupRoot = join(work, 'backups');
  catalogConfig = await catalog.createDatabase();
  catalogUrl = catalog.urlFor(catalogConfig);
});

function nodeYaml(server = 'backup01'): string {
  return `apiVersion: pgbackops/v1
kind: Node
metadata: { name: pg1 }
spec: { host: ${node.socketDir}, port: ${node.port}, user: ${String(node.config.user)}, backupServer: ${server} }
`;
}


/** Writes the configuration and applies it; the plan after must be empty, unless a delete is meant to be blocked. */
async function setUp(backups: Record<string, string>, opts: { node?: string; blockedDelete?: boolean; server?: string } = {}): Promise<void> {
  const server = opts.server ?? 'backup01';
  writeConfig(configDir, {
    'server.yaml': serverDoc(server, join(work, 'cron', 'pgbackops'), backupRoot),
    'node.yaml': opts.node ?? nodeYaml(server),
    'retention.yaml': retentionDoc,
    'backups.yaml': Object.entries(backups).map(([n, s]) => backupSpecDoc(n, s, null)).join('---\n'),
  });
  if (opts.blockedDelete) {
    const apply = await cli('apply', '--yes');
    expect(apply.exitCode, apply.stderr).toBe(0);
    expect(apply.stdout).toMatch(/delete blocked/);
  } else {
    await applyConverged(cli);
  }
}

/** Like cron does: only the state dir; the catalog comes from what apply remembered there. */
function run(...args: string[]) {
  return pgbackops(['run', '--state-dir', stateDir, ...args]);
}

function cli(...args: string[]) {
  return pgbackops([...args, '-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl]);
}

async function runs(definition: string): Promise<Array<Record<string, unknown>>> {
  const client = new pg.Client(catalogConfig);
  await client.connect();
  try {
    return (await client.query('select * from pgbackops.backup_runs where definition = $1 order by started_at, database', [definition])).rows;
  } finally {
    await client.end();
  }
}

describe('pgbackops run', () => {
  it('a Backup with method: logical is the Backup without it: one catalog row and hash, an empty plan, the same kind of run', async () => {
    const spec = 'databases: [second]\nretention: standard';
    await setUp({ plain: spec });
    const definitionRow = async () => {
      const client = new pg.Client(catalogConfig);
      await client.connect();
      try {
        return (await client.query("select name, spec, spec_hash from pgbackops.definitions where name = 'plain'")).rows;
      } finally {
        await client.end();
      }
    };
    const before = await definitionRow();
    expect(before).toHaveLength(1);
    expect(before[0].spec).not.toHaveProperty('method');

    // The same definition with the default method spelt out: nothing to change, nothing changes.
    await setUp({ plain: `method: logical\n${spec}` });
    expect(await definitionRow()).toEqual(before);
    const result = await run('plain');
    expect(result.exitCode, result.stderr).toBe(0);
    const [row] = await runs('plain');
    expect(row).toMatchObject({ status: 'succeeded', database: 'second', method: 'logical', method_facts: null, backup_type: 'full', format: 'custom' });
    expect(String(row!.pg_dump_version)).toMatch(/^\d+\.\d+/);
  });

  it('takes a full backup that restores into an empty cluster, with roles and database settings', async () => {
    await setUp({ 'shop-full': `databases: ['${DB.replace(/'/g, "''")}']\nformat: directory\njobs: 2\nretention: standard` });
    const result = await run('shop-full');
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/shop-full Shop "Ω" db=1: succeeded/);

    const [row] = await runs('shop-full');
    expect(row).toMatchObject({ status: 'succeeded', database: DB, backup_type: 'full', format: 'directory', node: 'pg1', backup_server: 'backup01' });
    const dir = String(row!.directory);
    expect(dir.startsWith(join(backupRoot, 'pg1', 'shop-full') + '/')).toBe(true);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of ['roles.sql', 'database.sql', 'globals.json', 'manifest.json', 'run.log']) {
      expect(statSync(join(dir, f)).mode & 0o777, f).toBe(0o600);
    }
    // Every file's checksum in the manifest (and the catalog) matches what is on disk.
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.files.length).toBeGreaterThan(3);
    for (const f of manifest.files) {
      expect(createHash('sha256').update(readFileSync(join(dir, f.path))).digest('hex'), f.path).toBe(f.sha256);
    }
    expect(row!.files).toEqual(manifest.files);
    expect(readFileSync(join(dir, 'run.log'), 'utf8')).toMatch(/argv: .*pg_dump .*--format=directory/);
    expect(readdirSync(join(dir, '..')).filter((n) => n.startsWith('.tmp-'))).toEqual([]);

    const fresh = await startTestCluster();
    try {
      const target = nodeOf(fresh);
      await psqlFile(target, 'postgres', join(dir, 'roles.sql'));
      await psqlFile(target, 'postgres', join(dir, 'database.sql'));
      await pgRestore(target, DB, join(dir, 'dump'), ['--jobs=2']);
      const source = nodeOf(node);
      expect(await plainDump(target, DB, '--schema-only')).toBe(await plainDump(source, DB, '--schema-only'));
      expect(await plainDump(target, DB, '--data-only')).toBe(await plainDump(source, DB, '--data-only'));
      const roles = (JSON.parse(readFileSync(join(dir, 'globals.json'), 'utf8')).roleDetails as Array<{ name: string }>).map((r) => r.name);
      expect(await rolesState(fresh, roles)).toEqual(await rolesState(node, roles));
      expect(await databaseState(fresh, DB)).toEqual(await databaseState(node, DB));
    } finally {
      await fresh.stop();
    }
  });

  it('expands databases: all when the job runs, one record per database, minus exclusions and templates', async () => {
    await setUp({ everything: 'databases: all\nexclude: [scratch]\ntype: schema\nretention: standard' });
    const result = await run('everything');
    expect(result.exitCode, result.stderr).toBe(0);
    const rows = await runs('everything');
    expect(rows.map((r) => r.database).sort()).toEqual([DB, 'postgres', 'second'].sort());
    expect(rows.every((r) => r.status === 'succeeded')).toBe(true);
  });

  it('takes a cluster backup with pg_dumpall', async () => {
    await setUp({ whole: 'type: cluster\nretention: standard' });
    const result = await run('whole');
    expect(result.exitCode, result.stderr).toBe(0);
    const [row] = await runs('whole');
    expect(row).toMatchObject({ status: 'succeeded', database: null, backup_type: 'cluster', format: 'plain' });
    // Compressed with gzip, the default (pg_dumpall's output piped through gzip).
    expect(gunzipSync(readFileSync(join(String(row!.directory), 'dump.sql.gz'))).toString('utf8')).toContain('CREATE ROLE app_owner;');
  });

  it('records a missing database as failed with its reason, keeps the log, leaves no half dump', async () => {
    // The missing database comes first: the node's version, asked through it, is asked again through the next.
    await setUp({ ghost: 'databases: [does-not-exist, second]\nretention: standard' });
    const result = await run('ghost');
    expect(result.exitCode).toBe(1);
    const rows = await runs('ghost');
    const row = rows.find((r) => r.database === 'does-not-exist');
    expect(rows.find((r) => r.database === 'second')).toMatchObject({ status: 'succeeded', server_version: expect.stringMatching(/^1\d\./) });
    expect(row).toMatchObject({ status: 'failed', failure_reason: 'database-missing' });
    expect(String(row!.log)).toMatch(/does not exist/);
    expect(existsSync(String(row!.directory))).toBe(true); // the failed run's log file
    const parent = join(backupRoot, 'pg1', 'ghost', 'db-does-not-exist');
    expect(readdirSync(parent).filter((n) => !n.startsWith('failed-'))).toEqual([]);
  });

  it('writes to the spool while the catalog is down, and maintain ingests it exactly once', async () => {
    await setUp({ shop: `databases: [second]\nretention: standard` });
    // Point the remembered catalog at a port where nothing listens: the catalog is "down".
    const down = catalogUrl.replace(/port=\d+|:\d+\//, (m) => (m.startsWith('port=') ? 'port=1' : ':1/'));
    const result = await pgbackops(['run', '--state-dir', stateDir, '--catalog', down, 'shop']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/local spool/);
    expect(await runs('shop')).toEqual([]);
    const spool = readdirSync(join(stateDir, 'spool')).filter((n) => n.endsWith('.json'));
    expect(spool).toHaveLength(1);

    const maintain = await cli('maintain');
    expect(maintain.exitCode, maintain.stderr).toBe(0);
    expect(maintain.stdout).toMatch(/spool 1 ingested, 0 quarantined/);
    expect(await cli('maintain').then((r) => r.stdout)).toMatch(/spool 0 ingested/);
    const rows = await runs('shop');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'succeeded', id: spool[0]!.replace('.json', '') });
  });

  it('an overlapping start is recorded as skipped; a killed run is marked abandoned and leaves no dump', async () => {
    await setUp({ slow: `databases: [second]\nretention: standard` });
    // Hold a lock pg_dump must wait for, so the first run stays in progress.
    const blocker = new pg.Client({ ...node.adminConfig, database: 'second' });
    await blocker.connect();
    await blocker.query('create table if not exists t (x int)');
    await blocker.query('begin');
    await blocker.query('lock table t in access exclusive mode');
    try {
      const first = spawnPgbackops(['run', '--state-dir', stateDir, 'slow']);
      await waitFor(async () => (await runs('slow')).some((r) => r.status === 'running'));
      const second = await run('slow');
      expect(second.exitCode).toBe(0);
      expect(second.stdout).toMatch(/skipped: another run of this definition is still in progress/);
      first.kill('SIGKILL');
      await first;
    } finally {
      await blocker.query('rollback');
      await blocker.end();
    }
    expect((await runs('slow')).map((r) => r.status).sort()).toEqual(['running', 'skipped']);

    const next = await run('slow');
    expect(next.exitCode, next.stderr).toBe(0);
    expect((await runs('slow')).map((r) => r.status).sort()).toEqual(['abandoned', 'skipped', 'succeeded']);
    const dbDir = join(backupRoot, 'pg1', 'slow', 'db-second');
    expect(readdirSync(dbDir).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });
});

describe('run failures and outages', () => {
  // Needs root (to start the job as another user) and a checkout the postgres user can read.
  const postgresCanRunCli = process.getuid?.() === 0 && spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-r', CLI]).status === 0;
  it.skipIf(!postgresCanRunCli)('runs as the scheduler user, as cron would start it, after a root apply', async () => {
    chmodSync(work, 0o711);
    await setUp({ asuser: `databases: [second]\nretention: standard` });
    const result = await execa('runuser', ['-u', 'postgres', '--', process.execPath, CLI, 'run', '--state-dir', stateDir, 'asuser'], { reject: false, env: { NO_COLOR: '1' } });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const [row] = await runs('asuser');
    expect(row).toMatchObject({ status: 'succeeded' });
    expect(statSync(String(row!.directory)).uid).toBe(Number((await execa('id', ['-u', 'postgres'])).stdout));
  });

  it('reports a database that disappeared since the last run of databases: all, once', async () => {
    const admin = new pg.Client(node.adminConfig);
    await admin.connect();
    await admin.query('create database doomed');
    try {
      await setUp({ every: 'databases: all\nexclude: [scratch, postgres]\ntype: schema\nretention: standard' });
      expect((await run('every')).exitCode).toBe(0);
      await admin.query('drop database doomed');
      const second = await run('every');
      expect(second.exitCode).toBe(1);
      expect(second.stdout).toMatch(/every doomed: failed: database-missing: database "doomed" was backed up by the previous run but no longer exists/);
      expect((await run('every')).exitCode).toBe(0); // reported once, not on every run
      const doomed = (await runs('every')).filter((r) => r.database === 'doomed').map((r) => r.status);
      expect(doomed).toEqual(['succeeded', 'failed']);
    } finally {
      await admin.query('drop database if exists doomed');
      await admin.end();
    }
  });

  it('the catalog going down during a run: the result is spooled, and one maintain records exactly one row', async () => {
    await setUp({ outage: `databases: [second]\nretention: standard` });
    const blocker = new pg.Client({ ...node.adminConfig, database: 'second' });
    await blocker.connect();
    await blocker.query('create table if not exists t (x int)');
    await blocker.query('begin');
    await blocker.query('lock table t in access exclusive mode');
    const job = spawnPgbackops(['run', '--state-dir', stateDir, 'outage']);
    try {
      await waitFor(async () => (await runs('outage')).some((r) => r.status === 'running'));
      await catalog.pause();
    } finally {
      await blocker.query('rollback');
      await blocker.end();
    }
    const finished = await job;
    await catalog.resume();
    expect(finished.exitCode, String(finished.stderr)).toBe(0);
    expect(String(finished.stdout)).toMatch(/local spool/);
    expect((await runs('outage')).map((r) => r.status)).toEqual(['running']);
    const maintain = await cli('maintain');
    expect(maintain.stdout).toMatch(/spool 1 ingested/);
    const rows = await runs('outage');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'succeeded' });
    expect(existsSync(String(rows[0]!.directory))).toBe(true);
  });

  it('a wrong password in the passfile is recorded as auth-failed', async () => {
    const secured = await startTestCluster({ tcp: true, tcpAuth: 'scram-sha-256' });
    try {
      const admin = new pg.Client(secured.adminConfig);
      await admin.connect();
      await admin.query(`create role backup_pw login password 'right-password'`);
      await admin.end();
      const passfile = join(work, 'pgpass');
      writeFileSync(passfile, `*:*:*:backup_pw:wrong-password\n`, { mode: 0o600 });
      // Started as root, the run acts as the job user: the file must be that user's for its wrong password to be sent.
      chownSync(passfile, Number((await execa('id', ['-u', 'postgres'])).stdout), -1);
      const nodeDoc = `apiVersion: pgbackops/v1
kind: Node
metadata: { name: pg1 }
spec: { host: 127.0.0.1, port: ${secured.port}, user: backup_pw, passfile: ${passfile}, backupServer: backup01 }
`;
      await setUp({ locked: 'databases: [postgres]\nretention: standard' }, { node: nodeDoc });
      const result = await run('locked');
      expect(result.exitCode).toBe(1);
      const [row] = await runs('locked');
      expect(row).toMatchObject({ status: 'failed', failure_reason: 'auth-failed' });
      expect(String(row!.log)).toMatch(/password authentication failed for user "backup_pw"/);
      expect(String(row!.log)).not.toContain('wrong-password');
    } finally {
      await secured.stop();
    }
  });

  it('a pg_dump older than the server is recorded as tool-too-old', async () => {
    // The only failure a real tool cannot be made to produce here (one PostgreSQL major is installed): a fake
    // pg_dump that reports itself as 15 and answers with pg_dump's own version-mismatch message.
    const fakeBin = join(work, 'fake-bin');
    mkdirSync(fakeBin, { recursive: true });
    writeFileSync(join(fakeBin, 'pg_dump'), `#!/bin/sh
if [ "$1" = "--version" ]; then echo "pg_dump (PostgreSQL) 15.0"; exit 0; fi
echo "pg_dump: error: aborting because of server version mismatch" >&2
echo "pg_dump: detail: server version: 16.4; pg_dump version: 15.0" >&2
exit 1
`);
    chmodSync(join(fakeBin, 'pg_dump'), 0o755);
    await setUp({ old: 'databases: [second]\nretention: standard' });
    // pgBinDirs is a BackupServer field: add it to the server document.
    const serverFile = join(configDir, 'server.yaml');
    writeFileSync(serverFile, readFileSync(serverFile, 'utf8').replace('  backupRoot:', `  pgBinDirs: { "15": ${fakeBin} }\n  backupRoot:`));
    await applyConverged(cli);
    const result = await run('old');
    expect(result.exitCode).toBe(1);
    const [row] = await runs('old');
    expect(row).toMatchObject({ status: 'failed', failure_reason: 'tool-too-old' });
  });
});

describe('failures outside the dump tool are recorded', () => {
  // As cron starts the job: as the scheduler user, which a root-owned directory shuts out.
  const postgresCanRunCli = process.getuid?.() === 0 && spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-r', CLI]).status === 0;
  function runAsPostgres(...args: string[]) {
    return execa('runuser', ['-u', 'postgres', '--', process.execPath, CLI, 'run', '--state-dir', stateDir, ...args], { reject: false, env: { NO_COLOR: '1', PGBACKOPS_LOG_LEVEL: 'silent' } });
  }

  it.skipIf(!postgresCanRunCli)('a backup directory the job user may not enter: failed, permission-denied, not running', async () => {
    chmodSync(work, 0o711);
    await setUp({ denied: 'databases: [second, postgres]\nretention: standard' });
    // What a run by hand as root leaves: a root-owned 0700 directory in the job's path.
    mkdirSync(join(backupRoot, 'pg1', 'denied'), { recursive: true, mode: 0o700 });
    chmodSync(join(backupRoot, 'pg1', 'denied'), 0o700);
    const result = await runAsPostgres('denied');
    expect(result.exitCode).toBe(1);
    const rows = await runs('denied');
    expect(rows.map((r) => [r.database, r.status, r.failure_reason]).sort()).toEqual([['postgres', 'failed', 'permission-denied'], ['second', 'failed', 'permission-denied']]);
    expect(String(rows[0]!.failure_detail)).toMatch(/EACCES: permission denied/);
  });

  it.skipIf(!postgresCanRunCli)('a lock directory the job user may not write: every database recorded failed, permission-denied', async () => {
    chmodSync(work, 0o711);
    await setUp({ nolock: 'databases: [second, postgres]\nretention: standard' });
    const locks = join(stateDir, 'locks');
    rmSync(locks, { recursive: true, force: true });
    mkdirSync(locks, { mode: 0o700 });
    const result = await runAsPostgres('nolock');
    expect(result.exitCode).toBe(1);
    const rows = await runs('nolock');
    expect(rows.map((r) => [r.database, r.status, r.failure_reason]).sort()).toEqual([['postgres', 'failed', 'permission-denied'], ['second', 'failed', 'permission-denied']]);
  });

  it('a file where the backup directory should be: failed, storage-error', async () => {
    await setUp({ blocked: 'databases: [second]\nretention: standard' });
    mkdirSync(join(backupRoot, 'pg1', 'blocked'), { recursive: true });
    writeFileSync(join(backupRoot, 'pg1', 'blocked', 'db-second'), 'not a directory');
    const result = await run('blocked');
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/blocked second: failed: storage-error: ENOTDIR/);
    expect(await runs('blocked')).toMatchObject([{ status: 'failed', failure_reason: 'storage-error' }]);
  });
});

describe('a run that is stopped or killed leaves no dump tool running', () => {
  /** pg_dump processes (alive, not zombies) whose arguments name this test's backup directory. */
  function ourDumps(): number[] {
    const pids: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
        const state = readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^.*\) /, '')[0];
        if (state !== 'Z' && /(^|\/)pg_dump(all)?$/.test(argv[0] ?? '') && argv.some((a) => a.includes(backupRoot))) pids.push(Number(entry));
      } catch {
        /* gone */
      }
    }
    return pids;
  }

  /** Starts a run whose pg_dump waits for a lock held here, until the dump is running; returns how to let it go. */
  async function startBlockedRun(definition: string, env: Record<string, string> = {}) {
    const blocker = new pg.Client({ ...node.adminConfig, database: 'second' });
    await blocker.connect();
    await blocker.query('create table if not exists t (x int)');
    await blocker.query('begin');
    await blocker.query('lock table t in access exclusive mode');
    const job = spawnPgbackops(['run', '--state-dir', stateDir, definition], env);
    await waitFor(async () => ourDumps().length > 0);
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      await blocker.query('rollback').catch(() => undefined);
      await blocker.end();
    };
    return { job, release };
  }

  function tempDirs(definition: string): string[] {
    const dir = join(backupRoot, 'pg1', definition, 'db-second');
    return existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith('.tmp-')) : [];
  }

  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)('%s: the dump is stopped and the run recorded failed (interrupted) before exit', async (signal) => {
    await setUp({ stopped: 'databases: [second]\nretention: standard' });
    const { job, release } = await startBlockedRun('stopped');
    try {
      job.kill(signal);
      const result = await job;
      expect(result.exitCode, String(result.stderr)).toBe(128 + constants.signals[signal]);
      expect(String(result.stdout)).toMatch(/stopped second: failed: interrupted: pgbackops run received/);
      expect(ourDumps()).toEqual([]);
    } finally {
      await release();
    }
    expect(await runs('stopped')).toMatchObject([{ status: 'failed', failure_reason: 'interrupted' }]);
    expect(tempDirs('stopped')).toEqual([]);
  });

  it('kill -9 where setpriv is not available: the next maintain stops the orphaned pg_dump, removes its temporary directory, marks the run abandoned', async () => {
    await setUp({ orphan: 'databases: [second]\nretention: standard' });
    // Without setpriv on PATH nothing makes the kernel stop the dump with its parent: only the sweep can.
    const { job, release } = await startBlockedRun('orphan', { PATH: '/nonexistent' });
    try {
      job.kill('SIGKILL');
      await job;
      const orphans = ourDumps();
      expect(orphans.length).toBeGreaterThan(0); // the situation the sweep exists for
      expect(tempDirs('orphan')).toHaveLength(1);
      const maintain = await cli('maintain');
      expect(maintain.exitCode, maintain.stderr).toBe(0);
      expect(maintain.stdout).toMatch(/1 run\(s\) and 0 restore\(s\) marked abandoned/);
      expect(ourDumps()).toEqual([]);
    } finally {
      await release();
    }
    expect(tempDirs('orphan')).toEqual([]);
    expect(await runs('orphan')).toMatchObject([{ status: 'abandoned' }]);
  });

  it('kill -9 where setpriv is not available: the next run of the definition stops the orphaned pg_dump first', async () => {
    await setUp({ orphan2: 'databases: [second]\nretention: standard' });
    const { job, release } = await startBlockedRun('orphan2', { PATH: '/nonexistent' });
    let next: Awaited<ReturnType<typeof run>>;
    try {
      job.kill('SIGKILL');
      await job;
      const orphans = ourDumps();
      expect(orphans.length).toBeGreaterThan(0);
      // The next run sweeps under the definition's lock before it dumps (its own pg_dump then waits for the
      // table lock, released once the sweep is seen).
      const nextRun = run('orphan2');
      await waitFor(async () => (await runs('orphan2')).some((r) => r.status === 'abandoned'));
      expect(ourDumps().filter((pid) => orphans.includes(pid))).toEqual([]);
      await release();
      next = await nextRun;
    } finally {
      await release();
    }
    expect(next.exitCode, next.stderr).toBe(0);
    expect((await runs('orphan2')).map((r) => r.status)).toEqual(['abandoned', 'succeeded']);
    expect(tempDirs('orphan2')).toEqual([]);
    expect(ourDumps()).toEqual([]);
  });

  it('kill -9 with setpriv: the dump dies with the run; maintain removes the temporary directory', async () => {
    await setUp({ dies: 'databases: [second]\nretention: standard' });
    const { job, release } = await startBlockedRun('dies');
    try {
      job.kill('SIGKILL');
      await job;
      await waitFor(async () => ourDumps().length === 0, 10_000);
      expect(tempDirs('dies')).toHaveLength(1);
      const maintain = await cli('maintain');
      expect(maintain.exitCode, maintain.stderr).toBe(0);
    } finally {
      await release();
    }
    expect(tempDirs('dies')).toEqual([]);
    expect(await runs('dies')).toMatchObject([{ status: 'abandoned' }]);
  });
});

describe('the state directory', () => {
  // cache/tool-versions.json (written by the first run) was once read as the definition cache of every server
  // sorting after it. "tool-versions" itself is a valid server name too.
  it.each(['zz-backup', 'tool-versions'])('server %s: every kind of state file has its own place', async (server) => {
    await setUp({ shop: 'databases: [second]\nretention: standard' }, { server });
    for (let i = 0; i < 2; i++) {
      const result = await run('shop');
      expect(result.stderr).toBe('');
      expect(result.exitCode).toBe(0);
    }
    expect(existsSync(join(stateDir, 'cache', 'tool-versions.json'))).toBe(true);
    expect((await runs('shop')).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);

    const unknown = await run('no-such-definition');
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toMatch(/error E_DEFINITION_UNKNOWN: definition "no-such-definition" is not scheduled on this server/);

    const maintain = await cli('maintain', '--json');
    expect(maintain.exitCode, maintain.stderr).toBe(0);
    expect(JSON.parse(maintain.stdout).servers.map((s: { server: string }) => s.server)).toEqual([server]);
  });

  it('a server upgraded in place runs from the old layout until the next apply moves its cache; a foreign format is refused', async () => {
    await setUp({ shop: 'databases: [second]\nretention: standard' });
    // What the previous version left: the cache directly under cache/, beside a tool-versions file in its old format.
    const cacheDir = join(stateDir, 'cache');
    renameSync(join(cacheDir, 'definitions', 'backup01.json'), join(cacheDir, 'backup01.json'));
    rmSync(join(cacheDir, 'definitions'), { recursive: true });
    writeFileSync(join(cacheDir, 'tool-versions.json'), JSON.stringify({ '/usr/bin/pg_dump': { stamp: 'x', tool: { path: '/usr/bin/pg_dump', major: 1, version: '1.0' } } }));
    const upgraded = await run('shop');
    expect(upgraded.stderr).toBe('');
    expect(upgraded.exitCode).toBe(0);
    expect((await runs('shop')).map((r) => r.status)).toEqual(['succeeded']);
    const maintain = await cli('maintain', '--json');
    expect(JSON.parse(maintain.stdout).servers.map((s: { server: string }) => s.server)).toEqual(['backup01']);
    // The tool-versions file in the old format was not trusted: it is rewritten in its current format.
    expect(JSON.parse(readFileSync(join(cacheDir, 'tool-versions.json'), 'utf8'))).toMatchObject({ formatVersion: 1 });

    await applyConverged(cli);
    expect(existsSync(join(cacheDir, 'definitions', 'backup01.json'))).toBe(true);
    expect(existsSync(join(cacheDir, 'backup01.json'))).toBe(false);
    expect((await run('shop')).exitCode).toBe(0);

    const newer = join(cacheDir, 'definitions', 'backup01.json');
    writeFileSync(newer, JSON.stringify({ ...JSON.parse(readFileSync(newer, 'utf8')), formatVersion: 2 }));
    const refused = await run('shop');
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/error E_CACHE_FORMAT: the definition cache .*backup01\.json has format version 2 \(written by a newer pgbackops\)/);
  });
});

describe('retention', () => {
  it('expires what the policy does not keep: files first, then rows; never the newest', async () => {
    await setUp({ often: `databases: [second]\nretention: { keepLast: 2 }` });
    for (let i = 0; i < 4; i++) expect((await run('often')).exitCode).toBe(0);
    const before = await runs('often');
    expect(before).toHaveLength(4);

    // The plan shows what retention will do, so a retention change is visible in review.
    const plan = await cli('plan');
    expect(plan.stdout).toContain('often second: 2 of 4 backup(s) would expire');

    const dry = await cli('prune', '--dry-run');
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/2 kept, 2 would expire \(dry run\)/);
    expect(await runs('often')).toHaveLength(4);

    const prune = await cli('prune');
    expect(prune.stdout).toMatch(/2 kept, 2 expired/);
    const after = await runs('often');
    expect(after.map((r) => r.id)).toEqual(before.slice(2).map((r) => r.id));
    for (const r of before.slice(0, 2)) expect(existsSync(String(r.directory))).toBe(false);
    for (const r of after) expect(existsSync(String(r.directory))).toBe(true);
  });

  it('keeps the backups of a removed definition under the retention they were taken with; --force removes them', async () => {
    await setUp({ keep: `databases: [second]\nretention: standard`, gone: `databases: [second]\nretention: { keepLast: 2 }` });
    for (let i = 0; i < 3; i++) expect((await run('gone')).exitCode).toBe(0);
    await setUp({ keep: `databases: [second]\nretention: standard` }, { blockedDelete: true }); // gone has backups
    await applyConverged(cli, '--prune', '--allow-mass-delete');
    const prune = await cli('prune', '--dry-run', '--verbose-decisions');
    expect(prune.stdout).toMatch(/expire  gone second .*no retention rule keeps it; definition removed from the configuration: last retention applies/);
    expect((await cli('prune')).exitCode).toBe(0);
    expect(await runs('gone')).toHaveLength(2);
    expect((await cli('prune', '--force')).exitCode).toBe(0);
    expect(await runs('gone')).toHaveLength(0);
  });

  it('a failing definition expires nothing, and still nothing once its failed run is older than keepFailedFor', async () => {
    const admin = new pg.Client(node.adminConfig);
    await admin.connect();
    try {
      await admin.query('create database frozen');
      await setUp({ failing: `databases: [frozen]\nretention: { keepLast: 1, keepFailedFor: 1m }` });
      for (let i = 0; i < 3; i++) expect((await run('failing')).exitCode).toBe(0);
      // The database goes away: the next run fails (a real failure, recorded in the same group).
      await admin.query('alter database frozen rename to frozen_gone');
      expect((await run('failing')).exitCode).toBe(1);
    } finally {
      await admin.query('drop database if exists frozen_gone').catch(() => undefined);
      await admin.end();
    }
    const before = await runs('failing');
    expect(before.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'failed']);
    expect((await cli('prune')).stdout).toMatch(/4 kept, 0 expired/);

    // Time passes beyond keepFailedFor (every run moved an hour into the past), and no run happens.
    const client = new pg.Client(catalogConfig);
    await client.connect();
    await client.query(`update pgbackops.backup_runs set started_at = started_at - interval '1 hour', finished_at = finished_at - interval '1 hour' where definition = 'failing'`);
    await client.end();
    for (let pass = 0; pass < 2; pass++) {
      const prune = await cli('prune');
      expect(prune.exitCode, prune.stderr).toBe(0);
      expect(prune.stdout).toMatch(/4 kept, 0 expired/);
    }
    const after = await runs('failing');
    expect(after.map((r) => r.id)).toEqual(before.map((r) => r.id));
    for (const r of after) expect(existsSync(String(r.directory))).toBe(true);
    const explained = await cli('prune', '--dry-run', '--verbose-decisions');
    expect(explained.stdout).toMatch(/latest finished run, failed: kept past keepFailedFor/);
  });

  it('finishes an expiry interrupted after the tombstone', async () => {
    await setUp({ often: `databases: [second]\nretention: { keepLast: 1 }` });
    for (let i = 0; i < 2; i++) expect((await run('often')).exitCode).toBe(0);
    const [older, newer] = await runs('often');
    const client = new pg.Client(catalogConfig);
    await client.connect();
    await client.query(`update pgbackops.backup_runs set status = 'expiring' where id = $1`, [older!.id]);
    await client.end();
    expect((await cli('prune')).exitCode).toBe(0);
    expect((await runs('often')).map((r) => r.id)).toEqual([newer!.id]);
    expect(existsSync(String(older!.directory))).toBe(false);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met in time');
}
