// Timelines, end to end against real PostgreSQL 15 (docs/restore.md, "Timelines"): a node archives into
// <backupRoot>/<node>/_wal/ with the documented archive_command and is backed up on timeline 1; it fails, a
// point-in-time copy of it is promoted (timeline 2) and archives into the same archive, as a new primary does
// after a failover (its 00000002.history, then its segments); rows are written on timeline 2. The timeline-1
// backup then restores to a moment on timeline 2 with exactly that moment's rows (PostgreSQL's default,
// `latest`), or stays on timeline 1 when asked; a missing history file is refused; `status` shows the window on
// timeline 2 starting at the timeline-1 backup.
import { chownSync, existsSync, mkdirSync, renameSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyConverged, pgbackopsAsJobUser } from '../../helpers/cli.js';
import { basebackupConfigDocs, clusterNodeDoc, jobUserDir, writeConfig } from '../../helpers/config.js';
import { catalogConfig, cli, configDir, openWorkspace, stateDir, work } from '../../helpers/workspace.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { query, queryAt } from '../../helpers/pg-tools.js';
import { waitFor } from '../daemon/daemon-process.js';
import { freePort } from '../../helpers/free-port.js';
import { runDeclaredRestore } from '../../helpers/declared-restore.js';

const PG_CTL = '/usr/lib/postgresql/15/bin/pg_ctl';
let source: TestCluster;
let catalog: TestCluster;
let archiveDir: string;
let postgresUid: number;
let postgresGid: number;
const started: string[] = [];

function restoreParent(): string {
  return jobUserDir(join(work, 'r'), postgresUid, postgresGid);
}


async function at<T extends pg.QueryResultRow>(dir: string, port: number, sql: string, database = 'app'): Promise<T[]> {
  return queryAt<T>({ host: dir, port, user: String(source.config.user), database }, sql);
}

async function stop(dir: string): Promise<void> {
  await execa('runuser', ['-u', 'postgres', '--', PG_CTL, 'stop', '-D', dir, '-m', 'fast', '-w'], { reject: false, cwd: '/' });
}

function until<T>(what: string, probe: () => Promise<T>): Promise<NonNullable<T>> {
  return waitFor(probe, 60_000, () => what);
}

const archiveCommand = () => `test ! -f ${archiveDir}/%f && cp %p ${archiveDir}/.%f.tmp && mv ${archiveDir}/.%f.tmp ${archiveDir}/%f`;

/** Closes the current segment of the cluster at dir/port and waits until archive_command has stored it. */
async function switchAndArchive(dir: string, port: number): Promise<string> {
  const [{ name }] = await at<{ name: string }>(dir, port, 'select pg_walfile_name(pg_switch_wal()) as name');
  await until(`${name} archived`, async () => existsSync(join(archiveDir, name)));
  return name;
}

beforeAll(async () => {
  [source, catalog] = await Promise.all([startTestCluster(), startTestCluster()]);
  postgresUid = Number((await execa('id', ['-u', 'postgres'])).stdout);
  postgresGid = Number((await execa('id', ['-g', 'postgres'])).stdout);
  await openWorkspace('tli', catalog);
  archiveDir = join(work, 'backups', 'pg1', '_wal');
  for (const dir of [join(work, 'backups'), join(work, 'backups', 'pg1'), archiveDir]) {
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, postgresUid, postgresGid);
  }
  await source.createDatabase('app');
  await query(source, 'app', 'create table t (n int primary key)');
  await query(source, 'postgres', 'alter system set archive_mode = on');
  await query(source, 'postgres', `alter system set archive_command = '${archiveCommand()}'`);
  await source.pause();
  await source.resume();
  writeConfig(configDir, basebackupConfigDocs(work, clusterNodeDoc('pg1', source)));
  await applyConverged(cli);
}, 180_000);

afterAll(async () => {
  for (const dir of started) await stop(dir);
  await Promise.all([source?.stop(), catalog?.stop()]);
});

describe('a backup of timeline 1 after a failover to timeline 2', () => {
  let backupId: string;
  let promoted: { dir: string; port: number };
  let target: string;

  beforeAll(async () => {
    const run = await pgbackopsAsJobUser(['run', '--state-dir', stateDir, 'phys']);
    expect(run.exitCode, run.stderr + run.stdout).toBe(0);
    [{ id: backupId }] = await queryAt<{ id: string }>(catalogConfig, `select id::text from pgbackops.backup_runs where definition = 'phys' and status = 'succeeded'`);
    await query(source, 'app', 'insert into t select generate_series(1, 10)');
    await switchAndArchive(source.socketDir, source.port);
    // The primary fails.
    await source.pause();

    // The new primary: the backup recovered to the end of the archive, promoted (timeline 2), archiving into
    // the same archive as the node did.
    const dir = join(restoreParent(), 'tl2');
    const failover = await cli('restore', backupId, '--to-dir', dir, '--latest', '--yes');
    expect(failover.exitCode, failover.stdout + failover.stderr).toBe(0);
    const port = await freePort();
    appendFileSync(join(dir, 'postgresql.auto.conf'), `# the test: this copy is the new primary\narchive_mode = on\narchive_command = '${archiveCommand()}'\nport = ${port}\nunix_socket_directories = '${dir}'\n`);
    await execa('runuser', ['-u', 'postgres', '--', PG_CTL, 'start', '-D', dir, '-w', '-l', join(dir, 'test.log')], { cwd: '/' });
    started.push(dir);
    promoted = { dir, port };
    await until('promoted', async () => (await at<{ r: boolean }>(dir, port, 'select pg_is_in_recovery() as r'))[0]?.r === false);
    await until('00000002.history archived', async () => existsSync(join(archiveDir, '00000002.history')));

    await at(dir, port, 'insert into t select generate_series(11, 20)');
    await new Promise((r) => setTimeout(r, 1100));
    [{ target }] = await at<{ target: string }>(dir, port, `select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as target`);
    await new Promise((r) => setTimeout(r, 1100));
    await at(dir, port, 'insert into t select generate_series(21, 30)');
    const last = await switchAndArchive(dir, port);
    expect(last.startsWith('00000002')).toBe(true);
  }, 240_000);

  it('restores to a moment on timeline 2 by default (latest): exactly the rows written on timeline 2 before it', async () => {
    const dir = join(restoreParent(), 'at-t');
    const port = await freePort();
    const r = await cli('restore', backupId, '--to-dir', dir, '--target-time', target, '--start', '--port', String(port), '--yes', '--json');
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    started.push(dir);
    const out = JSON.parse(r.stdout);
    expect(out.plan.timeline).toEqual({ asked: 'latest', timeline: 2, path: [1, 2] });
    expect(out.restore.status).toBe('succeeded');
    expect(await at(dir, port, 'select count(*)::int as n, min(n) as lo, max(n) as hi from t')).toEqual([{ n: 20, lo: 1, hi: 20 }]);
    await stop(dir);
  }, 180_000);

  it('--target-timeline 1 stays on the backup\'s timeline: the rows of timeline 1 only', async () => {
    const dir = join(restoreParent(), 'tl1');
    const port = await freePort();
    const r = await cli('restore', backupId, '--to-dir', dir, '--latest', '--target-timeline', '1', '--start', '--port', String(port), '--yes');
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    started.push(dir);
    expect(r.stdout).toMatch(/timeline: 1\n/);
    expect(await at(dir, port, 'select count(*)::int as n, max(n) as hi from t')).toEqual([{ n: 10, hi: 10 }]);
    await stop(dir);
  }, 180_000);

  it('a declarative Restore with targetTimeline: 1 makes the request of --target-timeline 1: the rows of timeline 1 only', async () => {
    const dir = join(restoreParent(), 'declared-tl1');
    const port = await freePort();
    const job = await runDeclaredRestore('stay-on-one',
      `  from: { backup: ${backupId} }\n  toDir: ${dir}\n  latest: true\n  targetTimeline: 1\n  start: true\n  port: ${port}\n`);
    started.push(dir);
    expect(job.state, `${job.message}\n${job.maintain.stdout}${job.maintain.stderr}`).toBe('succeeded');
    expect(await at(dir, port, 'select count(*)::int as n, max(n) as hi from t')).toEqual([{ n: 10, hi: 10 }]);
    const [recorded] = await queryAt<{ log: string }>(catalogConfig, `select log from pgbackops.restore_runs where actor = 'Restore/stay-on-one'`);
    expect(recorded!.log).toMatch(/recovery_target_timeline = '1'/);
    await stop(dir);
  }, 180_000);

  it('refuses when timeline 2\'s history file is missing, and when asked for a timeline the archive does not have; writes nothing', async () => {
    const dir = join(restoreParent(), 'refused');
    const history = join(archiveDir, '00000002.history');
    renameSync(history, join(work, '00000002.history'));
    try {
      const r = await cli('restore', backupId, '--to-dir', dir, '--target-time', target, '--yes');
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toMatch(/holds timeline 2, but not 00000002\.history: .*--target-timeline 1/);
    } finally {
      renameSync(join(work, '00000002.history'), history);
    }
    const three = await cli('restore', backupId, '--to-dir', dir, '--latest', '--target-timeline', '3', '--yes');
    expect(three.exitCode).toBe(1);
    expect(three.stdout).toMatch(/the archive has no 00000003\.history/);
    const bad = await cli('restore', backupId, '--to-dir', dir, '--latest', '--target-timeline', 'newest', '--yes');
    expect([bad.exitCode, bad.stderr]).toEqual([1, expect.stringMatching(/--target-timeline must be latest, current or a timeline number/)]);
    expect(existsSync(dir)).toBe(false);
  }, 120_000);

  it('the restorable window runs on timeline 2 from the timeline-1 backup', async () => {
    const r = await cli('status', '--json', '--no-nodes');
    expect(r.exitCode, r.stderr).toBe(0);
    const window = (JSON.parse(r.stdout).restorable_windows as Array<Record<string, unknown>>).find((w) => w.node === 'pg1');
    expect(window).toMatchObject({ timeline: 2, from_backup: backupId, outside_backups: [], problem: null });
    expect(Date.parse(String(window!.to))).toBeGreaterThan(Date.parse(target));
    await stop(promoted.dir);
  }, 60_000);
});
