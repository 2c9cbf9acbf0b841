// The pgbackrest method end to end through the built CLI, with the real pgBackRest and real clusters: a node
// whose archive_command pushes to the stanza pgbackops declares, the backup server's repository under its
// backup root, the catalog in another cluster. pgBackRest runs as the job user, the PostgreSQL OS user.
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createServer } from 'node:net';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyConverged, pgbackops, spawnPgbackops } from '../../helpers/cli.js';
import { clusterNodeSpecDoc, serverDoc, tempDir, writeConfig } from '../../helpers/config.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { catalogConfig, catalogUrl, cli, configDir, openWorkspace, stateDir, work } from '../../helpers/workspace.js';
import { runDeclaredRestore } from '../../helpers/declared-restore.js';
import { restoredWalSegmentSize } from '../../../src/methods/physical/wal-segment-size.js';
import { backupWalSegmentSize } from '../../../src/methods/pgbackrest/backup-wal-segment-size.js';
import { waitFor } from '../daemon/daemon-process.js';

let node: TestCluster;
let catalog: TestCluster;
let backupRoot: string;

const pgbackrestConfig = () => join(backupRoot, '_pgbackrest', 'pgbackrest.conf');

beforeAll(async () => {
  [node, catalog] = await Promise.all([startTestCluster(), startTestCluster()]);
  await openWorkspace('pgbr', catalog);
  chmodSync(work, 0o755);
  backupRoot = join(work, 'backups');
  // What `pgbackops check` tells an operator to set: pgbackops never changes a node's settings itself.
  await nodeSql(`alter system set archive_mode = on`);
  await nodeSql(`alter system set archive_command = 'pgbackrest --config=${pgbackrestConfig()} --stanza=pg1 archive-push %p'`);
  await node.pause();
  await node.resume();
  await nodeSql('create table t (id int primary key, at timestamptz default clock_timestamp())');
}, 120_000);
afterAll(async () => {
  await Promise.all([node?.stop(), catalog?.stop()]);
});

async function nodeSql<T extends pg.QueryResultRow>(sql: string, config: pg.ClientConfig = node.adminConfig): Promise<T[]> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

function run(name: string) {
  return pgbackops(['run', '--state-dir', stateDir, name]);
}

function configure(retention = '{ keepLast: 10 }'): void {
  const backup = (name: string, type: string) => `apiVersion: pgbackops/v1
kind: Backup
metadata: { name: ${name} }
spec: { node: pg1, method: pgbackrest, backupType: ${type}, schedule: "H 1 * * *", retention: ${retention} }
`;
  writeConfig(configDir, {
    'server.yaml': serverDoc('backup01', join(work, 'cron', 'pgbackops')).replace('/srv/pgbackops', backupRoot),
    'node.yaml': clusterNodeSpecDoc('pg1', node, `pgbackrest: { pgPath: ${node.dataDir}, pgSocketPath: ${node.socketDir} }`),
    'backups.yaml': [backup('pg1-full', 'full'), backup('pg1-diff', 'diff'), backup('pg1-incr', 'incr')].join('---\n'),
  });
}

async function infoLabels(): Promise<Array<{ label: string; type: string; prior: string | null }>> {
  const { stdout } = await execa('runuser', ['-u', 'postgres', '--', 'pgbackrest', `--config=${pgbackrestConfig()}`, '--stanza=pg1', '--output=json', 'info']);
  return (JSON.parse(stdout)[0].backup as Array<{ label: string; type: string; prior: string | null }>).map((b) => ({ label: b.label, type: b.type, prior: b.prior }));
}

async function backupsJson(): Promise<Array<Record<string, any>>> {
  const result = await cli('backups', '--json');
  expect(result.exitCode, result.stderr).toBe(0);
  const parsed = JSON.parse(result.stdout);
  return (Array.isArray(parsed) ? parsed : parsed.backups) as Array<Record<string, any>>;
}

describe('method: pgbackrest', () => {
  it('rejects a diff without a full, and a node without a stanza, with positions and codes', async () => {
    const dir = join(tempDir('pgbr-bad'), 'c');
    writeConfig(dir, {
      'all.yaml': `apiVersion: pgbackops/v1
kind: BackupServer
metadata: { name: b1 }
spec: { host: b1.example.org, backupRoot: /srv/x, scheduler: { type: builtin } }
---
apiVersion: pgbackops/v1
kind: Node
metadata: { name: n1 }
spec: { host: n1.example.org, backupServer: b1 }
---
apiVersion: pgbackops/v1
kind: Backup
metadata: { name: d1 }
spec: { node: n1, method: pgbackrest, backupType: diff, schedule: "@daily", retention: { keepLast: 2 } }
`,
    });
    const result = await pgbackops(['validate', '-c', dir]);
    expect(result.exitCode).toBe(1);
    const out = result.stdout + result.stderr;
    expect(out).toMatch(/E_PGBACKREST_NODE/);
    expect(out).toMatch(/E_PGBACKREST_NO_FULL/);
    expect(out).toMatch(/all\.yaml:\d+:\d+/);
    // A logical field with method: pgbackrest is refused on the field, saying whose it is (E_FIELD_NOT_FOR_METHOD).
    writeConfig(dir, {
      'logical-field.yaml': `apiVersion: pgbackops/v1
kind: Snapshot
metadata: { name: s1 }
spec: { node: n1, method: pgbackrest, keepFor: 7d, databases: all }
`,
    });
    const schema = await pgbackops(['validate', '-c', dir]);
    expect(schema.exitCode).toBe(1);
    expect(schema.stdout + schema.stderr).toMatch(/logical-field\.yaml:4:\d+: error E_FIELD_NOT_FOR_METHOD: databases is a field of the logical method/);
  });

  it('apply writes the owned configuration file, creates and checks the stanza; full -> diff -> incr are chained; PITR from the incr gives exactly the data at the time; a trial restore to a restore point; a --start port taken before the restore is refused, one taken during it named', async () => {
    configure();
    const apply = await applyConverged(cli);
    expect(apply.stdout).toMatch(/stanza pg1: created, check passed/);
    const text = readFileSync(pgbackrestConfig(), 'utf8');
    expect(text).toMatch(/^# Managed by pgbackops/);
    expect(text).toMatch(/repo1-retention-full=9999999/);
    expect(text).toMatch(/\[pg1\]\npg1-path=/);
    // pgbackops check judges the node by the stanza in the server's file: every prerequisite passes.
    const check = await cli('check', 'pg1', '--json');
    expect(check.exitCode, check.stdout + check.stderr).toBe(0);
    const methods = JSON.parse(check.stdout).nodes[0].methods as Array<{ method: string; checks: Array<{ name: string; ok: boolean }> }>;
    expect(methods.map((m) => m.method)).toEqual(['pgbackrest']);
    expect(methods[0]!.checks.filter((c) => !c.ok)).toEqual([]);
    expect(methods[0]!.checks.map((c) => c.name)).toContain('pgbackrest check');

    await nodeSql('insert into t (id) values (1)');
    expect((await run('pg1-full')).exitCode).toBe(0);
    await nodeSql('insert into t (id) values (2)');
    expect((await run('pg1-diff')).exitCode).toBe(0);
    await nodeSql('insert into t (id) values (3)');
    const incr = await run('pg1-incr');
    expect(incr.exitCode, incr.stderr).toBe(0);
    // Where the backup is kept: a set of the server's repository, by its label (it has no directory).
    expect(incr.stdout).toMatch(/^pg1-incr \(cluster\): succeeded, .* -> pgBackRest set \d{8}-\d{6}F_\d{8}-\d{6}I of stanza pg1 \(run /m);
    // Two commits around the target time, each in its own archived segment; a restore point after the first.
    await nodeSql('insert into t (id) values (4)');
    // Where WAL ends once the 4th row committed: the restore point (where recovery stops: its start) is after it.
    const [{ after4 }] = await nodeSql<{ after4: string }>('select pg_current_wal_insert_lsn()::text as after4');
    await nodeSql(`select pg_create_restore_point('after-4')`);
    await new Promise((r) => setTimeout(r, 1100));
    const [{ now: target }] = await nodeSql<{ now: string }>("select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') as now");
    await new Promise((r) => setTimeout(r, 1100));
    await nodeSql('insert into t (id) values (5)');
    const [{ after5 }] = await nodeSql<{ after5: string }>('select pg_current_wal_insert_lsn()::text as after5');
    await nodeSql('select pg_switch_wal()');
    await nodeSql("select pg_sleep(0.5)");

    const rows = await backupsJson();
    const byDef = (d: string) => rows.find((r) => r.definition === d)!;
    const facts = (d: string) => (byDef(d).method_facts ?? byDef(d).methodFacts) as Record<string, any>;
    expect(facts('pg1-full')).toMatchObject({ type: 'full', prior: null });
    expect(facts('pg1-diff')).toMatchObject({ type: 'diff', prior: facts('pg1-full').label });
    expect(facts('pg1-incr')).toMatchObject({ type: 'incr', prior: facts('pg1-diff').label });
    expect(facts('pg1-incr').lsn_start).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect((await infoLabels()).map((b) => b.label)).toEqual([facts('pg1-full').label, facts('pg1-diff').label, facts('pg1-incr').label]);

    // A target before the incr's end is refused, nothing written.
    const early = join(work, 'early');
    const refused = await cli('restore', byDef('pg1-incr').id, '--to-dir', early, '--target-time', '2000-01-01T00:00:00Z', '--yes');
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout + refused.stderr).toMatch(/outside what this backup can reach/);

    // Restores run as the job user (the PostgreSQL OS user), who creates the directory.
    const restores = join(work, 'restores');
    mkdirSync(restores);
    await execa('chown', ['postgres', restores]);
    const dir = join(restores, 'restored');
    const port = node.port + 7;
    const restore = await cli('restore', byDef('pg1-incr').id, '--to-dir', dir, '--target-time', target, '--start', '--port', String(port), '--yes');
    if (restore.exitCode !== 0) {
      const logs = await nodeSql<{ log: string }>('select log from pgbackops.restore_runs order by started_at desc limit 1', catalogConfig);
      throw new Error(`restore failed:\n${restore.stdout}${restore.stderr}\n${logs[0]?.log}`);
    }
    try {
      const ids = await nodeSql<{ id: number }>('select id from t order by id', { host: dir, port, user: 'postgres', database: 'postgres' });
      expect(ids.map((r) => r.id)).toEqual([1, 2, 3, 4]);
      // The restored copy archives nowhere: it must never push into the source's stanza.
      const [{ archive_mode }] = await nodeSql<{ archive_mode: string }>('show archive_mode', { host: dir, port, user: 'postgres', database: 'postgres' });
      expect(archive_mode).toBe('off');
    } finally {
      await execa('runuser', ['-u', 'postgres', '--', '/usr/lib/postgresql/15/bin/pg_ctl', 'stop', '-D', dir, '-m', 'immediate'], { reject: false });
    }

    // The trial restore: pgbackrest verify, then restored to a target (the restore point made after the 4th
    // row), started, queried, stopped and removed (the backup's end is the same code without the target). The copy
    // is gone afterwards, so the rows it had are told by the point reached, recorded with the trial: past the
    // 4th row's commit (the restore point is after it), short of the 5th row's.
    const named = await cli('verify', byDef('pg1-incr').id, '--restore', '--target-name', 'after-4');
    expect(named.exitCode, named.stdout + named.stderr).toBe(0);
    const said = /ok\s+trial restore into a temporary directory, recovered to target name after-4 \(LSN ([0-9A-F]+\/[0-9A-F]+)[^)]*\) and promoted, databases .*\bpostgres\b.*; amcheck bt_index_check: \d+ B-tree indexes in \d+ databases sound; stopped and removed \(restore ([0-9a-f-]+)\)/.exec(named.stdout);
    expect(said, named.stdout).not.toBeNull();
    const [between] = await nodeSql<{ past4: boolean; before5: boolean }>(
      `select '${said![1]}'::pg_lsn >= '${after4}'::pg_lsn as past4, '${said![1]}'::pg_lsn < '${after5}'::pg_lsn as before5`);
    expect(between).toEqual({ past4: true, before5: true });
    const [namedTrial] = await nodeSql<{ purpose: string; status: string; recovery_target: string; lsn: string }>(
      `select purpose, status, recovery_target, method_facts->'reached'->>'lsn' as lsn from pgbackops.restore_runs where id = '${said![2]}'`, catalogConfig);
    expect(namedTrial).toEqual({ purpose: 'trial', status: 'succeeded', recovery_target: 'name after-4', lsn: said![1] });

    // A --start port in use is refused before pgBackRest runs: DIR left absent.
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    try {
      const busy = (taken.address() as { port: number }).port;
      const refusedPort = await cli('restore', byDef('pg1-incr').id, '--to-dir', join(restores, 'busy'), '--start', '--port', String(busy), '--yes');
      expect(refusedPort.exitCode).toBe(1);
      expect(refusedPort.stderr).toContain(`pgbackops: error E_RESTORE_PORT_IN_USE: port ${busy} is in use (something listens on TCP port ${busy} (IPv4))`);
      expect(existsSync(join(restores, 'busy'))).toBe(false);
    } finally {
      await new Promise((r) => taken.close(r));
    }

    // The port taken after that check, while pgBackRest restores (DIR exists): a server's lock on the socket
    // where the copy's goes (/tmp for a long DIR). The start fails saying so, the restore is undone.
    const free = createServer();
    await new Promise<void>((r) => free.listen(0, r));
    const late = (free.address() as { port: number }).port;
    await new Promise((r) => free.close(r));
    const raced = join(restores, 'raced-'.padEnd(100, 'x'));
    const lock = `/tmp/.s.PGSQL.${late}.lock`;
    // The lock's process: one of the PostgreSQL OS user's, whom the restored server may signal (another user's
    // process it takes for stale: its message then is that it cannot remove the lock).
    const [uid, gid] = await Promise.all([execa('id', ['-u', 'postgres']), execa('id', ['-g', 'postgres'])]).then((r) => r.map((x) => Number(x.stdout)));
    const holder = spawn('sleep', ['300'], { stdio: 'ignore', uid, gid });
    const pending = cli('restore', byDef('pg1-incr').id, '--to-dir', raced, '--start', '--port', String(late), '--yes');
    try {
      await waitFor(async () => existsSync(raced), 60_000, () => `${raced} created by the restore`);
      // 'wx': never over another's lock (were the server already up, this would fail, not clobber its lock).
      writeFileSync(lock, `${holder.pid}\n`, { flag: 'wx' });
      await execa('chown', ['postgres', lock]);
      const lost = await pending;
      expect(lost.exitCode, lost.stdout + lost.stderr).toBe(1);
      expect(lost.stdout).toMatch(new RegExp(`Restore [0-9a-f-]+ failed: .*the restored server could not start: port ${late} was taken after the restore checked it \\(.*lock file "${lock.replace(/\./g, '\\.')}" already exists\\); restore again with another port`));
      expect(existsSync(raced)).toBe(false);
    } finally {
      await pending;
      holder.kill();
      rmSync(lock, { force: true });
    }
  }, 300_000);

  it('GFS retention over the chain keeps every dependency of a kept backup; the repository and the catalog agree', async () => {
    // keepLast 1 per definition: the newest full, diff and incr stay; the incr needs its diff needs its full.
    expect((await run('pg1-full')).exitCode).toBe(0);
    expect((await run('pg1-incr')).exitCode).toBe(0);
    configure('{ keepLast: 1 }');
    await applyConverged(cli);
    const dry = await cli('prune', '--dry-run');
    expect(dry.exitCode, dry.stderr).toBe(0);
    const prune = await cli('prune');
    expect(prune.exitCode, prune.stdout + prune.stderr).toBe(0);
    const rows = (await backupsJson()).filter((r) => r.status === 'succeeded');
    const labels = rows.map((r) => (r.method_facts ?? r.methodFacts).label).sort();
    const info = await infoLabels();
    expect(info.map((b) => b.label).sort()).toEqual(labels);
    // Every kept backup's prior is kept.
    for (const b of info) if (b.prior) expect(labels).toContain(b.prior);
    // The newest incr (on the second full) and the diff it does not need: the old diff expired with its chain.
    expect(info.length).toBeLessThan(5);
  }, 300_000);

  it('drift in the owned file is shown by plan and healed by apply; a plan saved before the file changed is stale', async () => {
    const file = pgbackrestConfig();
    // Saved while the file is as apply wrote it: an empty plan, which becomes stale once the file is edited.
    const saved = join(work, 'saved-plan.json');
    const out = await cli('plan', '--out', saved);
    expect(out.exitCode, out.stderr).toBe(0);
    writeFileSync(file, readFileSync(file, 'utf8').replace('start-fast=y', 'start-fast=n'));
    const stale = await cli('apply', saved, '--yes');
    expect(stale.exitCode).toBe(1);
    expect(stale.stderr).toMatch(/E_PLAN_STALE.*the pgBackRest configuration file/);
    // Refused before anything was written: the hand edit is still there.
    expect(readFileSync(file, 'utf8')).toMatch(/start-fast=n/);

    const plan = await cli('plan', '--detailed-exitcode');
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toMatch(/- start-fast=n/);
    await applyConverged(cli);
    expect(readFileSync(file, 'utf8')).toMatch(/start-fast=y/);
  }, 300_000);

  it('a stanza failing check is reported by apply, status, check-status, the status page, the daemon\'s /status and /metrics; the daemon heals drift in the file', async () => {
    const file = pgbackrestConfig();
    const stanzaOf = async () => {
      const status = await cli('status', '--json', '--no-nodes');
      expect(status.exitCode, status.stderr).toBe(0);
      return JSON.parse(status.stdout).pgbackrest_stanzas as Array<Record<string, any>>;
    };
    expect(await stanzaOf()).toMatchObject([{ stanza: 'pg1', node: 'pg1', server: 'backup01', state: 'passing', checked_by: 'apply', detail: null }]);

    // The node stops archiving to the stanza: check fails, apply says so and exits 1.
    await nodeSql("alter system set archive_command = '/bin/false'");
    await nodeSql('select pg_reload_conf()');
    const apply = await cli('apply', '--yes');
    expect(apply.exitCode).toBe(1);
    expect(apply.stdout).toMatch(/stanza pg1: check FAILED/);
    const [failing] = await stanzaOf();
    expect(failing).toMatchObject({ state: 'failing', checked_by: 'apply' });
    expect(failing!.detail).toMatch(/archive/i);
    expect(failing!.failing_since).toBe(failing!.checked_at);
    const text = await cli('status', '--no-nodes');
    expect(text.stdout).toMatch(/pgBackRest stanzas:/);
    expect(text.stdout).toMatch(/pg1: check FAILING since .*: /);
    // The Nagios check is CRITICAL naming the stanza and pgBackRest's error, whatever its definitions' runs say.
    for (const scope of [[], ['--node', 'pg1'], ['--definition', 'pg1-incr']]) {
      const nagios = await cli('check-status', ...scope);
      expect(nagios.exitCode, nagios.stdout).toBe(2);
      expect(nagios.stdout).toMatch(/^PGBACKOPS CRITICAL - .*pgBackRest stanza pg1 \(node pg1\) check failing since \S+: .*archive/i);
    }
    const nagiosJson = JSON.parse((await cli('check-status', '--json')).stdout);
    expect(nagiosJson.pgbackrest_stanzas).toMatchObject([{ stanza: 'pg1', node: 'pg1', server: 'backup01', state: 'CRITICAL' }]);
    // The status page says it in words: in the verdict and in an alert naming the stanza with its error.
    const pageFile = join(work, 'status.html');
    expect((await cli('status', '--html', pageFile)).exitCode).toBe(0);
    const { launchBrowser } = await import('../../helpers/browser.js');
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`file://${pageFile}`);
      expect(await page.textContent('#verdict')).toContain('Not covered: 1 pgBackRest stanza failing its check');
      expect(await page.textContent('#stanza-checks')).toMatch(/pgBackRest stanza pg1 \(node pg1, server backup01\): check FAILING since \S+ \S+: .*archive/i);
    } finally {
      await browser.close();
    }

    const { startDaemon, waitFor, WAIT } = await import('../daemon/daemon-process.js');
    const daemon = await startDaemon(['-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl, '--server', 'backup01', '--interval', '1']);
    try {
      const gauge = async () => /^pgbackops_pgbackrest_stanza_check_failing\{[^}]*stanza="pg1"[^}]*\} (\d+)/m.exec((await daemon.get('/metrics')).text)?.[1];
      await waitFor(async () => (await gauge()) === '1', WAIT, () => 'the failing stanza gauge');
      expect((await daemon.status()).pgbackrest_stanzas).toMatchObject([{ stanza: 'pg1', state: 'failing' }]);

      // A hand edit is healed by the daemon's next pass, counted as drift; the stanza is checked again (still failing).
      writeFileSync(file, readFileSync(file, 'utf8').replace('start-fast=y', 'start-fast=n'));
      await waitFor(() => /start-fast=y/.test(readFileSync(file, 'utf8')), WAIT, () => 'the daemon healing the pgBackRest file');
      await daemon.waitForLog((l) => l.msg === 'pgBackRest configuration drift restored');
      await waitFor(async () => Number(/^pgbackops_daemon_drift_corrections_total\{[^}]*\} (\d+)/m.exec((await daemon.get('/metrics')).text)?.[1]) >= 1, WAIT, () => 'drift counted');
      await waitFor(async () => (await stanzaOf())[0]!.checked_by === 'daemon', WAIT, () => "the daemon's stanza check recorded");
      expect((await stanzaOf())[0]).toMatchObject({ state: 'failing', failing_since: failing!.failing_since });

      // Fixed on the node: `pgbackops check` passes, records it, and the gauge follows.
      await nodeSql(`alter system set archive_command = 'pgbackrest --config=${file} --stanza=pg1 archive-push %p'`);
      await nodeSql('select pg_reload_conf()');
      const check = await cli('check', 'pg1');
      expect(check.exitCode, check.stdout + check.stderr).toBe(0);
      expect(await stanzaOf()).toMatchObject([{ state: 'passing', checked_by: 'check', failing_since: null, detail: null }]);
      const nagios = await cli('check-status', '--node', 'pg1', '--json');
      expect(JSON.parse(nagios.stdout).pgbackrest_stanzas).toMatchObject([{ stanza: 'pg1', state: 'OK' }]);
      await waitFor(async () => (await gauge()) === '0', WAIT, () => 'the stanza gauge back to 0');
    } finally {
      await daemon.stop();
    }
    await applyConverged(cli);
  }, 300_000);

  it('a backup with a tablespace: refused without --tablespace-map, and with a timeline the archive has no history for; restored with --tablespace-map and --target-timeline by the CLI, with tablespaceMapAll by a Restore (one request)', async () => {
    const location = join(work, 'ts-br');
    mkdirSync(location, { mode: 0o700 });
    await execa('chown', ['postgres:postgres', location]);
    await nodeSql(`create tablespace ts_br location '${location}'`);
    await nodeSql('create table tt (n int) tablespace ts_br');
    await nodeSql('insert into tt select generate_series(1, 50)');
    const [{ oid }] = await nodeSql<{ oid: string }>("select oid::text from pg_tablespace where spcname = 'ts_br'");
    const restores = join(work, 'restores-ts');
    mkdirSync(restores);
    await execa('chown', ['postgres', restores]);
    const atRestored = (dir: string, port: number, sql: string) => nodeSql(sql, { host: dir, port, user: 'postgres', database: 'postgres' });
    const stopRestored = (dir: string) => execa('runuser', ['-u', 'postgres', '--', '/usr/lib/postgresql/15/bin/pg_ctl', 'stop', '-D', dir, '-m', 'immediate'], { reject: false });
    try {
      expect((await run('pg1-full')).exitCode).toBe(0);
      const [{ id }] = await nodeSql<{ id: string }>("select id::text from pgbackops.backup_runs where definition = 'pg1-full' and status = 'succeeded' order by started_at desc limit 1", catalogConfig);
      await nodeSql('insert into tt select generate_series(51, 60)');
      const [{ name }] = await nodeSql<{ name: string }>('select pg_walfile_name(pg_switch_wal()) as name');
      await waitFor(async () => ((await nodeSql<{ w: string | null }>('select last_archived_wal as w from pg_stat_archiver'))[0]!.w ?? '') >= name, 60_000, () => `${name} archived`);

      const refused = await cli('restore', id, '--to-dir', join(restores, 'nomap'), '--latest', '--yes');
      expect(refused.exitCode).toBe(1);
      expect(refused.stdout).toContain(`the backup holds tablespaces that need a new location: ${oid} at ${location} (tablespace ts_br); give --tablespace-map OLD=NEW`);
      // A timeline whose .history file pgBackRest's archive does not hold: refused before pgBackRest runs.
      const noTimeline = await cli('restore', id, '--to-dir', join(restores, 'tl2'), '--latest', '--target-timeline', '2', '--tablespace-map-all', restores, '--yes');
      expect(noTimeline.exitCode).toBe(1);
      expect(noTimeline.stdout).toContain('timeline 2, as asked: the archive has no 00000002.history: where timeline 2 branched off is unknown, so recovery cannot follow it');
      expect(existsSync(join(restores, 'tl2'))).toBe(false);

      const port = node.port + 8;
      // A restore whose recovery fails (no restore point of that name): undone, DIR and the tablespace's
      // location pgBackRest created (--tablespace-map-all: <restores>/<OID>) removed, the failure recorded.
      const failing = join(restores, 'no-such-point');
      const failed = await cli('restore', id, '--to-dir', failing, '--target-name', 'no-such-point', '--tablespace-map-all', restores, '--start', '--port', String(port), '--yes');
      expect(failed.exitCode, failed.stdout).toBe(1);
      expect(failed.stdout).toMatch(/Restore [0-9a-f-]+ failed: the restored server did not finish recovery: .*FATAL: +recovery ended before configured recovery target was reached/);
      expect(existsSync(failing)).toBe(false);
      expect(existsSync(join(restores, oid))).toBe(false);
      const [{ log: failedLog }] = await nodeSql<{ log: string }>('select log from pgbackops.restore_runs order by started_at desc limit 1', catalogConfig);
      expect(failedLog).toContain('recovery ended before configured recovery target was reached');
      expect(failedLog).toContain(`removed what the restore wrote into ${failing}`);

      const dir = join(restores, 'cli');
      const moved = join(restores, 'ts-cli');
      const restore = await cli('restore', id, '--to-dir', dir, '--latest', '--target-timeline', 'current', '--tablespace-map', `${location}=${moved}`, '--start', '--port', String(port), '--yes');
      const [{ log }] = await nodeSql<{ log: string }>('select log from pgbackops.restore_runs order by started_at desc limit 1', catalogConfig);
      expect(restore.exitCode, `${restore.stdout}${restore.stderr}\n${log}`).toBe(0);
      try {
        expect(log).toContain(`--type=default --target-timeline=1 --tablespace-map=${oid}=${moved} --archive-mode=off restore`);
        expect(log).toContain("WAL segment size 16777216 bytes (pg_controldata of the backup's pg_control in the repository)");
        expect(await atRestored(dir, port, 'select count(*)::int as n from tt')).toEqual([{ n: 60 }]);
        expect(await atRestored(dir, port, "select pg_tablespace_location(oid) as at from pg_tablespace where spcname = 'ts_br'")).toEqual([{ at: moved }]);
      } finally {
        await stopRestored(dir);
      }

      // Every tablespace under one directory, by OID: a Restore's tablespaceMapAll (--tablespace-map-all).
      const declared = join(restores, 'declared');
      const under = join(restores, 'ts-all');
      mkdirSync(under);
      await execa('chown', ['postgres', under]);
      const movedToo = join(under, oid);
      const job = await runDeclaredRestore('tt-elsewhere',
        `  from: { backup: ${id} }\n  toDir: ${declared}\n  latest: true\n  targetTimeline: current\n  tablespaceMapAll: ${under}\n  start: true\n  port: ${port}\n`);
      try {
        expect(job.state, `${job.message}\n${job.maintain.stdout}${job.maintain.stderr}`).toBe('succeeded');
        expect(await atRestored(declared, port, "select count(*)::int as n, pg_tablespace_location((select oid from pg_tablespace where spcname = 'ts_br')) as at from tt")).toEqual([{ n: 60, at: movedToo }]);
      } finally {
        await stopRestored(declared);
      }

      // The segment size is the cluster's own: pg_controldata of one initdb'ed with 1 MiB segments, of its data
      // directory, and of its pg_control as a backup holds it in a repository (gzipped, fetched by repo-get).
      const small = join(restores, 'segsize-1');
      await execa('runuser', ['-u', 'postgres', '--', '/usr/lib/postgresql/15/bin/initdb', '-D', small, '--wal-segsize=1', '-A', 'trust'], { cwd: '/' });
      expect(await restoredWalSegmentSize(small, undefined)).toBe(1024 * 1024);
      const repo = join(restores, 'repo-1mib');
      mkdirSync(join(repo, 'backup', 's1', '20261206-010203F', 'pg_data', 'global'), { recursive: true });
      writeFileSync(join(repo, 'backup', 's1', '20261206-010203F', 'pg_data', 'global', 'pg_control.gz'), gzipSync(readFileSync(join(small, 'global', 'pg_control'))));
      writeFileSync(join(restores, 'repo-1mib.conf'), `[global]\nrepo1-path=${repo}\nlog-path=${restores}\nlock-path=${restores}\nlog-level-console=off\nlog-level-stderr=warn\nlog-level-file=off\n`);
      const how = { config: join(restores, 'repo-1mib.conf') };
      // An incremental backup whose pg_control is its full's (referenced), then one the repository does not have.
      expect(await backupWalSegmentSize(how, { stanza: 's1', label: '20261206-010203F_20261206-020304I', reference: ['20261206-010203F'], major: 15 }, undefined)).toBe(1024 * 1024);
      expect(await backupWalSegmentSize(how, { stanza: 's1', label: '20261206-030405F', reference: [], major: 15 }, undefined)).toBeNull();
    } finally {
      await nodeSql('drop table if exists tt');
      await nodeSql('drop tablespace if exists ts_br');
    }
  }, 300_000);

  it('kill -9 during a backup: the run is abandoned, the next backup succeeds', async () => {
    await nodeSql('create table if not exists big as select g, repeat(md5(g::text), 20) as pad from generate_series(1, 300000) g');
    const child = spawnPgbackops(['run', '--state-dir', stateDir, 'pg1-full']);
    // Killed once pgBackRest is copying: the run's row is `running` and pgbackrest holds the stanza's lock.
    for (let i = 0; i < 300; i++) {
      const rows = await nodeSql<{ n: string }>("select count(*) as n from pgbackops.backup_runs where definition = 'pg1-full' and status = 'running'", catalogConfig);
      const lock = await execa('pgrep', ['-f', 'pgbackrest.*--stanza=pg1.*backup'], { reject: false });
      if (Number(rows[0]!.n) > 0 && lock.exitCode === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    await child;
    const next = await run('pg1-full');
    expect(next.exitCode, next.stderr).toBe(0);
    const client = new pg.Client(catalogConfig);
    await client.connect();
    try {
      const statuses = (await client.query("select status from pgbackops.backup_runs where definition = 'pg1-full' order by started_at desc limit 2")).rows.map((r) => r.status);
      expect(statuses).toEqual(['succeeded', 'abandoned']);
    } finally {
      await client.end();
    }
  }, 300_000);
});
