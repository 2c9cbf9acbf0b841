// Commands run by hand as root act as the server's job user, so the scheduled runs that follow still work;
// apply leaves what it creates usable by that user; a catalog URL with a password is refused at apply, and a
// passfile set-up works from a cron-started job; the actor is the OS user when the environment names none.
// Needs root (tests run as root here) and a checkout the `postgres` user can read.
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { CLI, applyConverged, pgbackops, runCronLine, type CliResult } from '../helpers/cli.js';
import { clusterNodeDoc, retentionDoc, serverDoc, tempDir, writeConfig } from '../helpers/config.js';
import { startTestCluster, type TestCluster } from '../helpers/pg-cluster.js';

const JOB_USER = 'postgres';
const asRoot = process.getuid?.() === 0;
const jobUserCanRunCli = asRoot && spawnSync('runuser', ['-u', JOB_USER, '--', 'test', '-r', CLI]).status === 0;

let node: TestCluster;
let catalog: TestCluster;
let jobUid: number;
let work: string;
let configDir: string;
let stateDir: string;
let cronFile: string;

beforeAll(async () => {
  [node, catalog] = await Promise.all([startTestCluster(), startTestCluster({ tcp: true, tcpAuth: 'scram-sha-256' })]);
  const admin = new pg.Client(node.adminConfig);
  await admin.connect();
  await admin.query('create database shop');
  await admin.end();
  jobUid = Number((await execa('id', ['-u', JOB_USER])).stdout);
});
afterAll(async () => {
  await Promise.all([node?.stop(), catalog?.stop()]);
});

beforeEach(() => {
  work = tempDir('job-user');
  configDir = join(work, 'config');
  stateDir = join(work, 'state');
  cronFile = join(work, 'cron', 'pgbackops');
});

/** One server (jobs run as postgres) whose backup root is `backupRoot`, one node, one definition `nightly`. */
function writeFleet(backupRoot: string): void {
  writeConfig(configDir, {
    'server.yaml': serverDoc('backup01', cronFile).replace('/srv/pgbackops', backupRoot),
    'node.yaml': clusterNodeDoc('pg1', node),
    'retention.yaml': retentionDoc,
    'backups.yaml': `apiVersion: pgbackops/v1
kind: Backup
metadata: { name: nightly }
spec: { node: pg1, databases: [shop], schedule: "41 1 * * *", retention: standard }
`,
  });
}

/** The catalog through the socket as its superuser (trusted there), for reading what was recorded. */
async function catalogQuery(database: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const client = new pg.Client({ ...catalog.adminConfig, database });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Every path under `dir` (not `dir` itself) whose owner is not `uid`. */
function notOwnedBy(dir: string, uid: number): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = lstatSync(path);
    if (st.uid !== uid) out.push(`${path} (uid ${st.uid})`);
    if (st.isDirectory()) out.push(...notOwnedBy(path, uid));
  }
  return out;
}

describe.skipIf(!jobUserCanRunCli)('started as root, commands act as the job user', () => {
  let catalogUrl: string;
  let database: string;

  beforeEach(async () => {
    // The catalog over TCP as its superuser, who needs no password over the socket only: give it one in a
    // passfile the job user can read, as an operator would.
    database = String((await catalog.createDatabase()).database);
    const passfile = join(work, 'pgpass');
    await catalogQuery('postgres', `alter role ${JOB_USER} password 'job-secret'`);
    writeFileSync(passfile, `127.0.0.1:${catalog.port}:*:${JOB_USER}:job-secret\n`, { mode: 0o600 });
    chownSync(passfile, jobUid, -1);
    catalogUrl = `postgresql://${JOB_USER}@127.0.0.1:${catalog.port}/${database}?passfile=${encodeURIComponent(passfile)}`;
  });

  function cli(...args: string[]): Promise<CliResult> {
    return pgbackops([...args, '-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl]);
  }

  it('apply creates missing parents of the backup root that the job user can pass; the cron run gets through', async () => {
    const backupRoot = join(work, 'srv', 'deep', 'backups');
    writeFleet(backupRoot);
    await applyConverged(cli);
    for (const parent of [join(work, 'srv'), join(work, 'srv', 'deep')]) {
      expect(statSync(parent).mode & 0o777, parent).toBe(0o755);
    }
    expect(statSync(backupRoot).uid).toBe(jobUid);
    expect(statSync(backupRoot).mode & 0o777).toBe(0o700);
    const scheduled = await runCronLine(cronFile, 'nightly');
    expect(scheduled.stderr).toBe('');
    expect(scheduled.exitCode).toBe(0);
  });

  it('run, backup now, maintain and prune by hand leave everything to the job user; the cron run after them succeeds', async () => {
    const backupRoot = join(work, 'backups');
    writeFleet(backupRoot);
    await applyConverged(cli);
    // By hand, as root, the way the README's tour does it.
    for (const args of [['run', 'nightly'], ['backup', 'now', 'nightly'], ['maintain'], ['prune']]) {
      const byHand = await cli(...args);
      expect(byHand.exitCode, `${args.join(' ')}: ${byHand.stderr}${byHand.stdout}`).toBe(0);
    }
    // Then exactly as cron starts it.
    const scheduled = await runCronLine(cronFile, 'nightly');
    expect(scheduled.stderr).toBe('');
    expect(scheduled.exitCode).toBe(0);

    const runs = await catalogQuery(database, `select status, failure_reason from pgbackops.backup_runs where definition = 'nightly'`);
    expect(runs).toHaveLength(3);
    expect(runs.every((r) => r.status === 'succeeded'), JSON.stringify(runs)).toBe(true);
    // Nothing under the backup root or in the job's part of the state directory belongs to anyone else.
    expect(notOwnedBy(backupRoot, jobUid)).toEqual([]);
    for (const dir of ['cache', 'spool', 'locks']) {
      expect(statSync(join(stateDir, dir)).uid, dir).toBe(jobUid);
      expect(notOwnedBy(join(stateDir, dir), jobUid)).toEqual([]);
    }
  });

  it('started through a link in a directory the job user cannot enter (npx as root: /root/.npm/_npx/...), it runs the real program as the job user', async () => {
    writeFleet(join(work, 'backups'));
    await applyConverged(cli);
    const linkDir = join(work, 'npx-cache');
    mkdirSync(linkDir, { mode: 0o700 });
    symlinkSync(CLI, join(linkDir, 'pgbackops'));
    const byLink = await execa(process.execPath, [join(linkDir, 'pgbackops'), 'run', 'nightly', '-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl], {
      reject: false, env: { NO_COLOR: '1', PGBACKOPS_LOG_LEVEL: 'warn' }, stdin: 'ignore',
    });
    expect(byLink.exitCode, `${byLink.stderr}${byLink.stdout}`).toBe(0);
    expect(await catalogQuery(database, `select status from pgbackops.backup_runs`)).toEqual([{ status: 'succeeded' }]);
    expect(notOwnedBy(join(work, 'backups'), jobUid)).toEqual([]);
  });

  it('refuses, naming the user, the path and the command to use, when the job user cannot reach the state directory', async () => {
    // tempDir is 0700 root: the job user cannot enter it (nor could cron's job).
    chmodSync(work, 0o700);
    writeFleet(join(work, 'backups'));
    await applyConverged(cli);
    const byHand = await cli('run', 'nightly');
    expect(byHand.exitCode).toBe(1);
    expect(byHand.stderr).toMatch(/E_JOB_USER_ACCESS/);
    expect(byHand.stderr).toContain(`acts as ${JOB_USER}, the user the jobs of backup server backup01 run as`);
    expect(byHand.stderr).toContain(`${JOB_USER} cannot enter ${work} (uid 0, gid 0, mode 0700)`);
    expect(byHand.stderr).toMatch(new RegExp(`runuser -u ${JOB_USER} -- pgbackops run nightly`));
    // Nothing was started: no run recorded, nothing written under the backup root.
    expect(await catalogQuery(database, `select 1 from pgbackops.backup_runs`)).toEqual([]);
    expect(readdirSync(join(work, 'backups'))).toEqual([]);
  });
});

describe.skipIf(!jobUserCanRunCli)('a catalog that requires a password', () => {
  const password = 'app:secret@1';
  let database: string;

  beforeAll(async () => {
    await catalogQuery('postgres', `create role app login password ${pg.escapeLiteral(password)}`);
  });

  beforeEach(async () => {
    database = `app_${Math.random().toString(16).slice(2, 10)}`;
    await catalogQuery('postgres', `create database ${database} owner app`);
    writeFleet(join(work, 'backups'));
  });

  function cliWith(url: string) {
    return (...args: string[]) => pgbackops([...args, '-c', configDir, '--state-dir', stateDir, '--catalog', url]);
  }

  it('refuses a password in the URL at apply, pointing at a passfile; nothing is set up', async () => {
    const withPassword = `postgresql://app:${encodeURIComponent(password)}@127.0.0.1:${catalog.port}/${database}`;
    const apply = await cliWith(withPassword)('apply', '--yes');
    expect(apply.exitCode).toBe(1);
    expect(apply.stderr).toMatch(/E_CATALOG_URL_PASSWORD: the catalog (URL|connection string) holds a password/);
    expect(apply.stderr).toMatch(/passfile/);
    expect(apply.stderr).not.toContain('secret');
    expect(existsSync(cronFile)).toBe(false);
    expect(existsSync(join(stateDir, 'catalog.json'))).toBe(false);
    // ?password= is a password in the URL too.
    const inQuery = await cliWith(`postgresql://app@127.0.0.1:${catalog.port}/${database}?password=${encodeURIComponent(password)}`)('apply', '--yes');
    expect(inQuery.exitCode).toBe(1);
    expect(inQuery.stderr).toMatch(/E_CATALOG_URL_PASSWORD/);
    // So does the daemon, at start.
    const daemon = await execa(process.execPath, [CLI, 'daemon', '-c', configDir, '--state-dir', stateDir, '--listen', '127.0.0.1:0'], {
      reject: false, stdin: 'ignore', timeout: 30_000, env: { PGBACKOPS_CATALOG_URL: withPassword },
    });
    expect(daemon.exitCode).toBe(1);
    expect(String(daemon.stderr)).toMatch(/E_CATALOG_URL_PASSWORD/);
  });

  it('with the password in a passfile the job user reads, the cron-started job authenticates and records its run', async () => {
    const passfile = join(work, 'catalog.pgpass');
    writeFileSync(passfile, `127.0.0.1:${catalog.port}:${database}:app:${password.replace(/:/g, '\\:')}\n`, { mode: 0o600 });
    chownSync(passfile, jobUid, -1);
    const url = `postgresql://app@127.0.0.1:${catalog.port}/${database}?passfile=${encodeURIComponent(passfile)}`;
    await applyConverged(cliWith(url));
    const scheduled = await runCronLine(cronFile, 'nightly');
    expect(scheduled.stderr).toBe('');
    expect(scheduled.exitCode).toBe(0);
    expect(scheduled.stdout).not.toMatch(/local spool/);
    const runs = await catalogQuery(database, `select status from pgbackops.backup_runs where definition = 'nightly'`);
    expect(runs).toEqual([{ status: 'succeeded' }]);
  });
});

describe('the actor recorded for an apply', () => {
  it('is the OS user when USER and LOGNAME are unset (env -i)', async () => {
    writeFleet(join(work, 'backups'));
    const database = String((await catalog.createDatabase()).database);
    // Over the trusted socket: this test is about the environment, not authentication.
    const url = catalog.urlFor({ ...catalog.adminConfig, database });
    const apply = await execa('env', ['-i', `PATH=/usr/bin:/bin`, process.execPath, CLI, 'apply', '--yes', '-c', configDir, '--state-dir', stateDir, '--catalog', url], { reject: false });
    expect(apply.exitCode, String(apply.stderr)).toBe(0);
    const [row] = await catalogQuery(database, 'select actor from pgbackops.apply_history');
    expect(row).toEqual({ actor: `${(await execa('id', ['-un'])).stdout}@${hostname()}` });
  });
});
