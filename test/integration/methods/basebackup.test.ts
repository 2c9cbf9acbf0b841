// The basebackup method end to end through the built CLI, against real PostgreSQL 15 with real pg_basebackup,
// pg_verifybackup and pg_ctl: a node archiving its WAL into <backupRoot>/<node>/_wal/ with the documented
// archive_command (docs/restore.md, "Physical backups"), backups taken with `pgbackops run`, restored with
// `restore --to-dir` to a point in time, started, and queried; refusals checked against what is left on disk;
// a kill -9 during a run; `check` on a correct node and on one without REPLICATION and with wal_level=minimal.
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:net';
import { execa } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyConverged, CLI, pgbackopsAsJobUser, spawnPgbackops } from '../../helpers/cli.js';
import { clusterNodeDoc, jobUserDir, retentionDoc, serverDoc, writeConfig } from '../../helpers/config.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { query, queryAt } from '../../helpers/pg-tools.js';
import { freePort } from '../../helpers/free-port.js';
import { catalogConfig, catalogUrl, cli, configDir, openWorkspace, stateDir, work } from '../../helpers/workspace.js';

let source: TestCluster;
let minimal: TestCluster;
let catalog: TestCluster;
let archiveDir: string;
let postgresUid: number;
let postgresGid: number;
const started: string[] = [];

const PG_CTL = '/usr/lib/postgresql/15/bin/pg_ctl';

function physicalYaml(name: string, extra = ''): string {
  return `apiVersion: pgbackops/v1
kind: Backup
metadata: { name: ${name} }
spec:
  node: pg1
  method: basebackup
  schedule: "41 1 * * *"
  retention: standard
  compression: { method: gzip, level: 1 }
${extra}`;
}

function config(slowRate: boolean): Record<string, string> {
  return {
    'server.yaml': serverDoc('backup01', join(work, 'cron', 'pgbackops')).replace('/srv/pgbackops', join(work, 'backups')),
    'nodes.yaml': [clusterNodeDoc('pg1', source), clusterNodeDoc('pg-min', { ...minimal, config: { user: 'norepl' } })].join('---\n'),
    'retention.yaml': retentionDoc,
    'backups.yaml': [
      physicalYaml('phys', '  checkpoint: fast\n'),
      physicalYaml('slowphys', slowRate ? '  maxRate: 32k\n' : ''),
      `apiVersion: pgbackops/v1
kind: Backup
metadata: { name: min-phys }
spec: { node: pg-min, method: basebackup, schedule: "41 2 * * *", retention: standard }
`,
    ].join('---\n'),
    // A one-off, taken only by `maintain` (the Snapshot test below).
    'snapshot.yaml': `apiVersion: pgbackops/v1
kind: Snapshot
metadata: { name: before-upgrade }
spec: { node: pg1, method: basebackup, keepFor: 7d, checkpoint: fast, compression: { method: gzip, level: 1 } }
`,
  };
}

async function sourceSql<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string): Promise<T[]> {
  return query<T>(source, 'app', sql);
}

/** Makes the node close its current WAL segment and waits until archive_command has put it in the archive. */
async function switchAndArchive(): Promise<string> {
  const [{ name }] = await sourceSql<{ name: string }>('select pg_walfile_name(pg_switch_wal()) as name');
  for (let i = 0; i < 300 && !existsSync(join(archiveDir, name)); i++) await new Promise((r) => setTimeout(r, 100));
  expect(existsSync(join(archiveDir, name)), `${name} archived`).toBe(true);
  return name;
}

async function backup(definition: string): Promise<{ id: string; facts: Record<string, unknown> }> {
  const result = await pgbackopsAsJobUser(['run', '--state-dir', stateDir, definition]);
  expect(result.exitCode, result.stderr + result.stdout).toBe(0);
  const rows = await queryAt<{ id: string; method_facts: Record<string, unknown> }>(catalogConfig,
    `select id::text, method_facts from pgbackops.backup_runs where definition = $1 and status = 'succeeded' order by started_at desc`, [definition]);
  return { id: rows[0]!.id, facts: rows[0]!.method_facts };
}

/** A directory the job user (postgres) may create restore directories in. */
function restoreParent(): string {
  return jobUserDir(join(work, 'restores'), postgresUid, postgresGid);
}

async function restoredQuery<T extends pg.QueryResultRow>(dir: string, port: number, sql: string): Promise<T[]> {
  return queryAt<T>({ host: dir, port, user: String(source.config.user), database: 'app' }, sql);
}

async function stopRestored(dir: string): Promise<void> {
  await execa('runuser', ['-u', 'postgres', '--', PG_CTL, 'stop', '-D', dir, '-m', 'immediate', '-w'], { reject: false, cwd: '/' });
}

beforeAll(async () => {
  [source, minimal, catalog] = await Promise.all([startTestCluster(), startTestCluster(), startTestCluster()]);
  const ids = await execa('id', ['-u', 'postgres']);
  postgresUid = Number(ids.stdout);
  postgresGid = Number((await execa('id', ['-g', 'postgres'])).stdout);
  await openWorkspace('basebackup', catalog);
  // The node's archive, as the documented archive_command fills it: the node runs as postgres on this host.
  archiveDir = join(work, 'backups', 'pg1', '_wal');
  for (const dir of [join(work, 'backups'), join(work, 'backups', 'pg1'), archiveDir]) {
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, postgresUid, postgresGid);
  }
  await source.createDatabase('app');
  await sourceSql('create table t (n int primary key, at timestamptz default clock_timestamp())');
  await sourceSql('create table keep (x int)');
  await sourceSql('insert into keep values (1), (2)');
  const archiveCommand = `test ! -f ${archiveDir}/%f && cp %p ${archiveDir}/.%f.tmp && mv ${archiveDir}/.%f.tmp ${archiveDir}/%f`;
  await query(source, 'postgres', `alter system set archive_mode = on`);
  await query(source, 'postgres', `alter system set archive_command = '${archiveCommand}'`);
  await source.pause();
  await source.resume();

  // The node `check` must find wanting: no REPLICATION for its user, wal_level = minimal.
  await query(minimal, 'postgres', 'create role norepl login');
  await query(minimal, 'postgres', 'alter system set wal_level = minimal');
  await query(minimal, 'postgres', 'alter system set max_wal_senders = 0');
  await minimal.pause();
  await minimal.resume();

  writeConfig(configDir, config(false));
  await applyConverged(cli);
}, 180_000);

afterAll(async () => {
  for (const dir of started) await stopRestored(dir);
  await Promise.all([source?.stop(), minimal?.stop(), catalog?.stop()]);
});

describe('basebackup: backups', () => {
  it('pgbackops run takes a verified tar backup of the cluster and records its WAL range', async () => {
    const { id, facts } = await backup('phys');
    expect(facts).toMatchObject({ timeline: 1, checkpoint: 'fast', compression: { method: 'gzip', level: 1 } });
    expect(facts.startLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(facts.stopWal).toMatch(/^[0-9A-F]{24}$/);
    expect(facts.systemIdentifier).toMatch(/^\d+$/);
    // CRC32C: the definition does not choose (PostgreSQL's default), and the run says what it asked for.
    expect(String(facts.manifestCheck)).toMatch(/^pgbackops tar check \(\d+ files: size and CRC32C against backup_manifest; WAL [0-9A-F]{24}( to [0-9A-F]{24})? complete\)$/);
    expect(facts.manifestChecksums).toBe('crc32c');
    const [row] = await queryAt<{ method: string; database: string | null; files: Array<{ path: string }>; server_version: string; backup_type: null }>(catalogConfig,
      'select method, database, files, server_version, backup_type from pgbackops.backup_runs where id = $1', [id]);
    expect(row).toMatchObject({ method: 'basebackup', database: null, backup_type: null });
    expect(row!.files.map((f) => f.path).sort()).toEqual(['backup_manifest', 'base.tar.gz', 'pg_wal.tar.gz', 'run.log']);

    const show = await cli('show', id.slice(0, 8));
    expect(show.exitCode, show.stderr).toBe(0);
    expect(show.stdout).toContain(String(facts.startLsn));
    expect(show.stdout).toContain(String(facts.stopWal));
    expect(show.stdout).toContain('manifest checksums CRC32C');
    const verify = await cli('verify', id);
    expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/backup_manifest verified by pg_verifybackup/);
  });

  it('verify --restore: restored into a temporary directory, started, recovered to its end, queried, its B-tree indexes checked with amcheck, removed; recorded as a trial', async () => {
    const { id } = await backup('phys');
    const r = await cli('verify', id, '--restore');
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/trial restore into a temporary directory, recovered to the backup's end \(LSN [0-9A-F]+\/[0-9A-F]+\) and promoted, databases .*\bapp\b.*; amcheck bt_index_check: \d+ B-tree indexes in \d+ databases sound; stopped and removed/);
    // app's primary key among them: more indexes than the catalogs of the databases alone would have.
    expect(Number(/amcheck bt_index_check: (\d+) B-tree/.exec(r.stdout)![1])).toBeGreaterThan(0);
    const [trial] = await queryAt<{ purpose: string; status: string; recovery_target: string; target_dir: string; rto: number }>(catalogConfig,
      `select purpose, status, recovery_target, target_dir, (method_facts->>'recoveryTimeMs')::int as rto from pgbackops.restore_runs where backup_run_id = $1`, [id]);
    expect(trial).toMatchObject({ purpose: 'trial', status: 'succeeded', recovery_target: 'end' });
    expect(trial!.rto).toBeGreaterThan(0);
    expect(existsSync(trial!.target_dir)).toBe(false);
  }, 120_000);

  it('a corrupted base.tar.gz is caught by verify, and by restore (hashed beside the extraction), which leaves nothing behind', async () => {
    const { id } = await backup('phys');
    const [{ directory }] = await queryAt<{ directory: string }>(catalogConfig, 'select directory from pgbackops.backup_runs where id = $1', [id]);
    const tar = join(directory, 'base.tar.gz');
    const bytes = readFileSync(tar);
    // A byte in the middle of the compressed stream: some member's data no longer decompresses to what it was.
    const at = Math.floor(bytes.length / 2);
    bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(tar, bytes);
    const verify = await cli('verify', id);
    expect(verify.exitCode).toBe(1);
    expect(verify.stdout + verify.stderr).toContain('base.tar.gz: sha256 differs from the manifest');
    const dir = join(restoreParent(), 'corrupted');
    const restore = await cli('restore', id, '--to-dir', dir, '--yes');
    expect(restore.exitCode).toBe(1);
    expect(restore.stdout + restore.stderr).toContain('base.tar.gz: sha256 differs from the manifest');
    expect(existsSync(dir)).toBe(false);
  }, 120_000);

  it('kill -9 during a run: abandoned, no temporary directory counts as a backup, the next run works', async () => {
    writeConfig(configDir, config(true));
    await applyConverged(cli);
    const parent = join(work, 'backups', 'pg1', 'slowphys', '_cluster');
    const job = spawnPgbackops(['run', '--state-dir', stateDir, 'slowphys']);
    const temps = () => (existsSync(parent) ? readdirSync(parent).filter((n) => n.startsWith('.tmp-')) : []);
    for (let i = 0; i < 300 && temps().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(temps()).toHaveLength(1);
    // The starter and the child it runs as the job user (act-as-job-user.ts): both die at once.
    const children = (await execa('pgrep', ['-P', String(job.pid)], { reject: false })).stdout.split('\n').filter(Boolean).map(Number);
    // The tar check's own process (tar-check-process.ts), reading the temporary directory, is running by now.
    const checkers = async () => (await execa('pgrep', ['-f', `tar-check/main.js ${join(parent, temps()[0]!)}`], { reject: false })).stdout.split('\n').filter(Boolean);
    for (let i = 0; i < 100 && (await checkers()).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await checkers()).toHaveLength(1);
    for (const pid of [job.pid!, ...children]) process.kill(pid, 'SIGKILL');
    await job;
    // It stops by itself when the run dies (its standard input closes), reading nothing more.
    for (let i = 0; i < 100 && (await checkers()).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await checkers()).toEqual([]);
    const runs = () => queryAt<{ status: string }>(catalogConfig, `select status from pgbackops.backup_runs where definition = 'slowphys' order by started_at`);
    expect((await runs()).map((r) => r.status)).toEqual(['running']);

    writeConfig(configDir, config(false));
    await applyConverged(cli);
    const next = await pgbackopsAsJobUser(['run', '--state-dir', stateDir, 'slowphys']);
    expect(next.exitCode, next.stderr + next.stdout).toBe(0);
    expect((await runs()).map((r) => r.status)).toEqual(['abandoned', 'succeeded']);
    expect(temps()).toEqual([]);
    expect(readdirSync(parent).filter((n) => !n.startsWith('failed-'))).toHaveLength(1);
  }, 120_000);
});

describe('basebackup: point-in-time restore into a directory', () => {
  let backupId: string;
  let backupFacts: Record<string, unknown>;
  let t1: string;
  let afterT1Segment: string;
  /** Where WAL was written up to after the 15th row's commit (pg_current_wal_lsn() between inserts). */
  let after15: string;

  beforeAll(async () => {
    ({ id: backupId, facts: backupFacts } = await backup('phys'));
    await sourceSql('insert into t (n) select generate_series(1, 10)');
    afterT1Segment = await switchAndArchive();
    await new Promise((r) => setTimeout(r, 1100));
    [{ t1 }] = await sourceSql<{ t1: string }>(`select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as t1`);
    await new Promise((r) => setTimeout(r, 1100));
    await sourceSql('insert into t (n) select generate_series(11, 15)');
    [{ after15 }] = await sourceSql<{ after15: string }>('select pg_current_wal_lsn()::text as after15');
    await sourceSql('insert into t (n) select generate_series(16, 18)');
    await sourceSql(`select pg_create_restore_point('before-drop')`);
    await sourceSql('insert into t (n) select generate_series(19, 20)');
    await sourceSql('drop table keep');
    await switchAndArchive();
  }, 120_000);

  it('--target-time T1 --start gives exactly the rows of T1 and the dropped table back', async () => {
    const dir = join(restoreParent(), 't1');
    const port = await freePort();
    const r = await cli('restore', backupId, '--to-dir', dir, '--target-time', t1, '--start', '--port', String(port), '--yes', '--json');
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    started.push(dir);
    const out = JSON.parse(r.stdout);
    expect(out.restore).toMatchObject({ status: 'succeeded', method: 'basebackup', target_dir: dir, recovery_target: `time ${t1}` });
    expect(out.result.started).toEqual({ port, data_directory: dir });
    expect(out.result.recovery_time_ms).toBeGreaterThan(0);
    expect(await restoredQuery(dir, port, 'select count(*)::int as n, max(n) as top from t')).toEqual([{ n: 10, top: 10 }]);
    expect(await restoredQuery(dir, port, 'select count(*)::int as n from keep')).toEqual([{ n: 2 }]);
    expect(await restoredQuery(dir, port, 'select pg_is_in_recovery() as r')).toEqual([{ r: false }]);
    const [recorded] = await queryAt<{ method: string; target_dir: string; recovery_target: string; target_node: null }>(catalogConfig,
      'select method, target_dir, recovery_target, target_node from pgbackops.restore_runs where id = $1', [out.restore.id]);
    expect(recorded).toEqual({ method: 'basebackup', target_dir: dir, recovery_target: `time ${t1}`, target_node: null });
    await stopRestored(dir);
  }, 120_000);

  it('--latest gives everything the archive has: every row, the table dropped', async () => {
    const dir = join(restoreParent(), 'latest');
    const port = await freePort();
    const r = await cli('restore', backupId, '--to-dir', dir, '--latest', '--start', '--port', String(port), '--yes');
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    started.push(dir);
    expect(r.stdout).toMatch(/Restore .* succeeded: recovered to .*; the cluster is running on port/);
    expect(await restoredQuery(dir, port, 'select count(*)::int as n from t')).toEqual([{ n: 20 }]);
    expect(await restoredQuery(dir, port, `select to_regclass('keep') as k`)).toEqual([{ k: null }]);
    await stopRestored(dir);
  }, 120_000);

  it('--target-lsn L (read with pg_current_wal_lsn() between inserts) --start gives exactly the rows committed before L', async () => {
    const dir = join(restoreParent(), 'lsn');
    const port = await freePort();
    const r = await cli('restore', backupId, '--to-dir', dir, '--target-lsn', after15, '--start', '--port', String(port), '--yes', '--json');
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    started.push(dir);
    expect(JSON.parse(r.stdout).restore).toMatchObject({ status: 'succeeded', recovery_target: `lsn ${after15.toUpperCase()}` });
    expect(await restoredQuery(dir, port, 'select count(*)::int as n, max(n) as top from t')).toEqual([{ n: 15, top: 15 }]);
    expect(await restoredQuery(dir, port, 'select count(*)::int as n from keep')).toEqual([{ n: 2 }]);
    expect(await restoredQuery(dir, port, 'select pg_is_in_recovery() as r')).toEqual([{ r: false }]);
    await stopRestored(dir);
  }, 120_000);

  it('--target-name (a restore point made with pg_create_restore_point) --start gives exactly the rows committed before it', async () => {
    const dir = join(restoreParent(), 'name');
    const port = await freePort();
    const r = await cli('restore', backupId, '--to-dir', dir, '--target-name', 'before-drop', '--start', '--port', String(port), '--yes', '--json');
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    started.push(dir);
    expect(JSON.parse(r.stdout).restore).toMatchObject({ status: 'succeeded', recovery_target: 'name before-drop' });
    expect(await restoredQuery(dir, port, 'select count(*)::int as n, max(n) as top from t')).toEqual([{ n: 18, top: 18 }]);
    expect(await restoredQuery(dir, port, 'select count(*)::int as n from keep')).toEqual([{ n: 2 }]);
    await stopRestored(dir);
  }, 120_000);

  it('verify --restore --target-name: the trial recovers to the restore point, says the point reached, and is recorded with that target and its RTO', async () => {
    const r = await cli('verify', backupId, '--restore', '--target-name', 'before-drop');
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ok\s+trial restore into a temporary directory, recovered to target name before-drop \(LSN [0-9A-F]+\/[0-9A-F]+[^)]*\) and promoted, databases .*\bapp\b.*; stopped and removed/);
    const [trial] = await queryAt<{ status: string; recovery_target: string; target_dir: string; rto: number }>(catalogConfig,
      `select status, recovery_target, target_dir, (method_facts->>'recoveryTimeMs')::int as rto from pgbackops.restore_runs
       where backup_run_id = $1 and purpose = 'trial' order by started_at desc limit 1`, [backupId]);
    expect(trial).toMatchObject({ status: 'succeeded', recovery_target: 'name before-drop' });
    expect(trial!.rto).toBeGreaterThan(0);
    expect(existsSync(trial!.target_dir)).toBe(false);
  }, 120_000);

  it('verify --restore with a target: refused by the restore\'s own checks and flag rules, nothing restored', async () => {
    const trials = async () => (await queryAt<{ n: number }>(catalogConfig, `select count(*)::int as n from pgbackops.restore_runs where backup_run_id = $1 and purpose = 'trial'`, [backupId]))[0]!.n;
    const before = await trials();
    const early = new Date(Date.parse(String(backupFacts.startTime)) - 1000).toISOString();
    const refused = await cli('verify', backupId, '--restore', '--target-time', early);
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout).toMatch(/FAIL trial restore: the trial restore was refused: .*is before the end of backup/);
    // A usage error, before anything is read (the flags' other rules: test/unit/cli/recovery-target-flags.test.ts).
    const usage = await cli('verify', backupId, '--target-lsn', after15);
    expect(usage.exitCode).toBe(1);
    expect(usage.stderr).toMatch(/--target-lsn: the recovery target of a trial restore: give --restore too/);
    expect(await trials()).toBe(before);
  }, 60_000);

  // The other major is simulated in a private mount namespace: a machine (or container) that does not allow one
  // cannot run this case, and says so rather than failing on the sandbox.
  const mountNamespaces = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs probe "$1"', 'sh', tmpdir()]).status === 0;
  if (!mountNamespaces) console.warn('basebackup.test: no private mount namespace here (unshare --mount): the other-major refusal is not exercised');
  it.skipIf(!mountNamespaces)('refuses the backup when the server binaries here are another major, before extracting anything, naming both versions', async () => {
    // Only PostgreSQL 15 is installed here: in a mount namespace of its own, the CLI sees a machine whose only
    // server installation is a 16 (its pg_ctl, postgres and initdb answer --version, nothing else).
    const fakeInstall = `set -e
mount -t tmpfs pgbackops-test /usr/lib/postgresql
mkdir -p /usr/lib/postgresql/16/bin
for tool in pg_ctl postgres initdb; do
  printf '#!/bin/sh\n[ "$1" = --version ] || { echo "fake $0: only --version" >&2; exit 1; }\necho "%s (PostgreSQL) 16.4"\n' "$tool" > /usr/lib/postgresql/16/bin/$tool
  chmod 755 /usr/lib/postgresql/16/bin/$tool
done
exec "$@"`;
    const dir = join(restoreParent(), 'other-major');
    const r = await execa('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', fakeInstall, 'sh', process.execPath, CLI,
      'restore', backupId, '--to-dir', dir, '--yes', '-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl],
    { reject: false, env: { NO_COLOR: '1', PGBACKOPS_LOG_LEVEL: 'warn' }, stdin: 'ignore' });
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    const [{ version }] = await sourceSql<{ version: string }>(`select current_setting('server_version') as version`);
    expect(r.stdout).toMatch(/NO\s+server binaries: the backup is of PostgreSQL 15\.\d+, but the server binaries here are 16\.4 \(\/usr\/lib\/postgresql\/16\/bin\/pg_ctl\): a physical backup starts only with its own major version/);
    expect(r.stdout).toContain(`PostgreSQL ${version.split(' ')[0]}`);
    expect(r.stdout).toMatch(/Refused; nothing will be done/);
    expect(existsSync(dir)).toBe(false);
  }, 60_000);

  it('refuses a target time before the backup\'s end, writing nothing', async () => {
    const dir = join(restoreParent(), 'early');
    const before = new Date(Date.parse(String(backupFacts.startTime)) - 1000).toISOString();
    const r = await cli('restore', backupId, '--to-dir', dir, '--target-time', before, '--yes');
    expect(r.exitCode).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/is before the end of backup/);
    expect(existsSync(dir)).toBe(false);
  });

  it('refuses when a segment between the backup and the target is missing, naming it', async () => {
    const moved = join(work, afterT1Segment);
    renameSync(join(archiveDir, afterT1Segment), moved);
    try {
      for (const target of [['--target-time', t1], ['--latest']]) {
        const dir = join(restoreParent(), 'gap');
        const r = await cli('restore', backupId, '--to-dir', dir, ...target, '--yes');
        expect(r.exitCode, r.stdout).toBe(1);
        expect(r.stdout + r.stderr).toContain(`the archive is missing ${afterT1Segment}`);
        expect(existsSync(dir)).toBe(false);
      }
      // check says it too: no kept backup reaches past the gap.
      const check = await cli('check', 'pg1');
      expect(check.exitCode, check.stdout).toBe(1);
      expect(check.stdout).toMatch(/NO\s+restorable window: no kept base backup ends in the archive's gapless WAL \(timeline 1, from [0-9A-F]{24}\): each restores only to its own end; take a new base backup/);
    } finally {
      renameSync(moved, join(archiveDir, afterT1Segment));
    }
  });

  it('refuses a directory that is not empty, and leaves it alone', async () => {
    const dir = join(restoreParent(), 'full');
    mkdirSync(dir);
    writeFileSync(join(dir, 'precious'), 'x');
    const r = await cli('restore', backupId, '--to-dir', dir, '--yes');
    expect(r.exitCode).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/is not empty \(1 entries\)/);
    expect(readdirSync(dir)).toEqual(['precious']);
  });

  it('--start --port P with P taken is refused at once (E_RESTORE_PORT_IN_USE), before anything is read: a TCP listener, a live socket where the copy\'s would go; DIR untouched, no restore recorded', async () => {
    const restores = async () => (await queryAt<{ n: number }>(catalogConfig, 'select count(*)::int as n from pgbackops.restore_runs where backup_run_id = $1', [backupId]))[0]!.n;
    const before = await restores();
    const servers: Server[] = [];
    const absent = join(restoreParent(), 'taken-absent');
    const empty = jobUserDir(join(restoreParent(), 'taken-empty'), postgresUid, postgresGid);
    const long = join(restoreParent(), 'taken-socket-'.padEnd(100, 'x'));
    // Stopped afterwards should one start after all (the code before this check started them).
    started.push(absent, empty, long);
    const listen = (options: { port: number; host: string } | { path: string }) => new Promise<Server>((resolve, reject) => {
      const server = createServer().once('error', reject);
      server.listen(options, () => { servers.push(server); resolve(server); });
    });
    try {
      // TCP on 127.0.0.1 (the copy's listen_addresses comes with its files: any local address counts).
      const port = ((await listen({ port: 0, host: '127.0.0.1' })).address() as { port: number }).port;
      for (const dir of [absent, empty]) {
        const r = await cli('restore', backupId, '--to-dir', dir, '--latest', '--start', '--port', String(port), '--yes', '--json');
        expect(r.exitCode, r.stdout + r.stderr).toBe(1);
        expect(JSON.parse(r.stdout).error).toEqual({ code: 'E_RESTORE_PORT_IN_USE',
          message: `port ${port} is in use (something listens on TCP port ${port} (IPv4)): the restored cluster could not start on it. Nothing was read or written; choose another port, or stop what holds it` });
      }
      expect(existsSync(absent)).toBe(false);
      expect(readdirSync(empty)).toEqual([]);
      // The Unix socket: a DIR too long for a socket path puts the copy's in /tmp, where a server accepts on it.
      const free = await freePort();
      const socket = `/tmp/.s.PGSQL.${free}`;
      await listen({ path: socket });
      chmodSync(socket, 0o777);
      const r = await cli('restore', backupId, '--to-dir', long, '--start', '--port', String(free), '--yes');
      expect(r.exitCode, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toContain(`pgbackops: error E_RESTORE_PORT_IN_USE: port ${free} is in use (a server accepts connections on the Unix socket ${socket})`);
      expect(r.stdout).toBe('');
      expect(existsSync(long)).toBe(false);
      expect(await restores()).toBe(before);
    } finally {
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    }
  });

  it('a target after the archive\'s latest point is refused', async () => {
    const r = await cli('restore', backupId, '--to-dir', join(restoreParent(), 'future'), '--target-time', new Date(Date.now() + 3600_000).toISOString(), '--dry-run');
    expect(r.exitCode).toBe(1);
    // The archive's contents say where it ends: its newest commit (before the contents were read, the files' times).
    expect(r.stdout).toMatch(/is not before the archive's newest commit \(/);
  });
});

describe('basebackup: a one-off Snapshot', () => {
  it('a Snapshot with method basebackup: applied with the configuration (an empty plan after), taken once by maintain, recorded with its WAL range, listed by backups and show, restored with --start to the rows written before it', async () => {
    await sourceSql('create table snap (n int)');
    await sourceSql('insert into snap select generate_series(1, 7)');
    // Applied with the rest of the configuration (beforeAll: applyConverged); taken as cron's maintain line takes
    // it, as the job user; once: a second maintain has nothing to do.
    for (let i = 0; i < 2; i++) {
      const maintain = await pgbackopsAsJobUser(['maintain', '--one-offs-only', '--state-dir', stateDir, '--catalog', catalogUrl]);
      expect(maintain.exitCode, maintain.stdout + maintain.stderr).toBe(0);
    }
    await sourceSql('insert into snap values (8)');
    const [job] = await queryAt<{ state: string; message: string; runs: string[] }>(catalogConfig,
      `select state, message, result->'runs' as runs from pgbackops.snapshots where name = 'before-upgrade'`);
    expect(job, JSON.stringify(job)).toMatchObject({ state: 'succeeded' });
    expect(job!.runs).toHaveLength(1);
    const id = job!.runs[0]!;
    const runs = await queryAt<{ id: string; method: string; status: string; database: string | null; facts: Record<string, unknown>; files: Array<{ path: string }> }>(catalogConfig,
      `select id::text, method, status, database, method_facts as facts, files from pgbackops.backup_runs where definition = 'before-upgrade'`);
    expect(runs.map((r) => r.id)).toEqual([id]);
    const [run] = runs;
    expect(run).toMatchObject({ method: 'basebackup', status: 'succeeded', database: null });
    expect(run!.facts).toMatchObject({ timeline: 1, checkpoint: 'fast', compression: { method: 'gzip', level: 1 } });
    for (const lsn of ['startLsn', 'stopLsn']) expect(run!.facts[lsn]).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    for (const wal of ['startWal', 'stopWal']) expect(run!.facts[wal]).toMatch(/^00000001[0-9A-F]{16}$/);
    expect(run!.files.map((f) => f.path).sort()).toEqual(['backup_manifest', 'base.tar.gz', 'pg_wal.tar.gz', 'run.log']);
    // The plan stays empty once the job ran.
    const plan = await cli('plan', '--detailed-exitcode');
    expect(plan.exitCode, plan.stdout).toBe(0);

    const listed = await cli('backups', '--definition', 'before-upgrade', '--json');
    expect(listed.exitCode, listed.stderr).toBe(0);
    const rows = JSON.parse(listed.stdout);
    const row = (Array.isArray(rows) ? rows : rows.backups)[0] as Record<string, any>;
    expect(row).toMatchObject({ id, method: 'basebackup', status: 'succeeded' });
    // Under --json the method's facts are in snake case, as every key of the output (docs/cli.md, "JSON output").
    expect(row.method_facts).toMatchObject({ start_lsn: run!.facts.startLsn, stop_lsn: run!.facts.stopLsn, start_wal: run!.facts.startWal, stop_wal: run!.facts.stopWal, timeline: 1 });
    const show = await cli('show', id.slice(0, 8));
    expect(show.exitCode, show.stderr).toBe(0);
    for (const fact of [run!.facts.startLsn, run!.facts.stopLsn, run!.facts.startWal, run!.facts.stopWal]) expect(show.stdout).toContain(String(fact));
    expect(show.stdout).toMatch(/before-upgrade/);

    const dir = join(restoreParent(), 'snapshot');
    const port = await freePort();
    started.push(dir);
    const restored = await cli('restore', id, '--to-dir', dir, '--start', '--port', String(port), '--yes', '--json');
    expect(restored.exitCode, restored.stdout + restored.stderr).toBe(0);
    expect(JSON.parse(restored.stdout).restore).toMatchObject({ status: 'succeeded', method: 'basebackup', recovery_target: 'end' });
    expect(await restoredQuery(dir, port, 'select count(*)::int as n, max(n) as top from snap')).toEqual([{ n: 7, top: 7 }]);
    await stopRestored(dir);
  }, 120_000);
});

describe('pgbackops check', () => {
  it('a node ready for base backups and archiving passes (exit 0)', async () => {
    const r = await cli('check', 'pg1', '--json');
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const checks = out.nodes[0].methods[0].checks as Array<{ name: string; ok: boolean }>;
    expect(checks.map((c) => c.name)).toEqual(['connection', 'replication role', 'wal_level', 'max_wal_senders', 'replication connection', 'pg_basebackup', 'pg_verifybackup', 'wal archive', 'restorable window']);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
  });

  it('a node without REPLICATION and with wal_level=minimal: each finding with what to change (exit 1)', async () => {
    const r = await cli('check', 'pg-min');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/NO  replication role: norepl has neither REPLICATION nor superuser: run ALTER ROLE norepl REPLICATION/);
    expect(r.stdout).toMatch(/NO  wal_level: wal_level is minimal: set wal_level = replica/);
    expect(r.stdout).toMatch(/NO  max_wal_senders: max_wal_senders is 0/);
    expect(r.stdout).toMatch(/NO  replication connection: /);
    expect(r.stdout).toMatch(/NO  wal archive: archive_mode is off/);
    expect(r.stdout).toMatch(/Something is missing/);
  });
});
