// Point-in-time recovery as an operator sees it, against real PostgreSQL 15, a real pg_receivewal supervised by
// `pgbackops wal-receive` and real base backups taken by `pgbackops run`: the restorable window that `status`
// (text and --json) and `status --html` show is read from the archive's contents (the newest commit in
// pg_receivewal's .partial segment), and (below) a declarative `Restore` with a physical target.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyConverged, pgbackops, spawnPgbackops, type CliResult } from '../../helpers/cli.js';
import { backupSpecDoc, clusterNodeSpecDoc, jobUserDir, retentionDoc, serverDoc, tempDir, writeConfig } from '../../helpers/config.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { query, queryAt } from '../../helpers/pg-tools.js';
import { freePort } from '../../helpers/free-port.js';
import { waitFor } from '../daemon/daemon-process.js';
import { catalogConfig, catalogUrl, cli, configDir, openWorkspace, stateDir, work } from '../../helpers/workspace.js';

let node: TestCluster;
let catalog: TestCluster;
let backupRoot: string;
let postgresUid: number;
let postgresGid: number;
let receiver: ResultPromise | null = null;
const started: string[] = [];
const PG_CTL = '/usr/lib/postgresql/15/bin/pg_ctl';

function baseConfig(): Record<string, string> {
  return {
    // Relative, as in the quickstart: resolved against the state directory by every command, wal-receive too.
    'server.yaml': serverDoc('backup01', join(work, 'cron', 'pgbackops')).replace('/srv/pgbackops', 'backups'),
    'node.yaml': clusterNodeSpecDoc('pg1', node, 'walArchive: { enabled: true, slot: pgbo_pitr }'),
    'retention.yaml': retentionDoc,
    'backup.yaml': backupSpecDoc('phys', 'method: basebackup\ncompression: { method: gzip, level: 1 }'),
  };
}

async function app<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  return query<T>(node, 'app', sql, params);
}

/** waitFor (the daemon tests' bounded poll), with what is awaited first. */
function until<T>(what: string, probe: () => Promise<T>): Promise<NonNullable<T>> {
  return waitFor(probe, 60_000, () => what);
}

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

async function statusJson(): Promise<{ restorable_windows: Array<Record<string, unknown>> }> {
  const r = await cli('status', '--json', '--no-nodes');
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

async function backup(): Promise<{ id: string; facts: { endTime: string; stopLsn: string; timeline: number } }> {
  const r = await pgbackops(['run', '--state-dir', stateDir, 'phys']);
  expect(r.exitCode, r.stderr + r.stdout).toBe(0);
  const [row] = await queryAt<{ id: string; method_facts: { endTime: string; stopLsn: string; timeline: number } }>(catalogConfig,
    `select id::text, method_facts from pgbackops.backup_runs where definition = 'phys' and status = 'succeeded' order by started_at desc limit 1`);
  return { id: row!.id, facts: row!.method_facts };
}

beforeAll(async () => {
  [node, catalog] = await Promise.all([startTestCluster(), startTestCluster()]);
  postgresUid = Number((await execa('id', ['-u', 'postgres'])).stdout);
  postgresGid = Number((await execa('id', ['-g', 'postgres'])).stdout);
  await openWorkspace('pitr', catalog);
  backupRoot = join(stateDir, 'backups');
  await node.createDatabase('app');
  await app('create table t (n int primary key)');
  writeConfig(configDir, baseConfig());
  await applyConverged(cli);
  receiver = spawnPgbackops(['wal-receive', '--node', 'pg1', '--state-dir', stateDir], { PGBACKOPS_LOG_LEVEL: 'warn' });
  const archive = join(backupRoot, 'pg1', '_wal');
  await until('a .partial segment', async () => existsSync(archive) && readdirSync(archive).some((f) => f.endsWith('.partial')));
}, 180_000);

afterAll(async () => {
  for (const dir of started) await execa('runuser', ['-u', 'postgres', '--', PG_CTL, 'stop', '-D', dir, '-m', 'immediate', '-w'], { reject: false, cwd: '/' });
  if (receiver) {
    receiver.kill('SIGTERM');
    await receiver;
  }
  await Promise.all([node?.stop(), catalog?.stop()]);
});

describe('the restorable window', () => {
  it('none before a base backup exists, then from the backup\'s end to the newest commit in the archive\'s .partial segment', async () => {
    const before = (await statusJson()).restorable_windows;
    expect(before).toEqual([expect.objectContaining({ node: 'pg1', from: null, to: null, problem: expect.stringMatching(/no kept base backup/) })]);
    // Where the archive does not exist (another machine, or this one before the receiver first ran), the same:
    // with no base backup there is nothing to ask the archive's machine.
    const nowhere = await pgbackops(['status', '--json', '--no-nodes', '-c', configDir, '--state-dir', tempDir('pitr-no-archive'), '--catalog', catalogUrl]);
    expect(JSON.parse(nowhere.stdout).restorable_windows).toEqual([expect.objectContaining({ node: 'pg1', from: null, computed_at: null, problem: expect.stringMatching(/no kept base backup/) })]);

    const { id, facts } = await backup();
    const [{ t0 }] = await app<{ t0: Date }>('select clock_timestamp() as t0');
    await app('insert into t select generate_series(1, 100)');
    const [{ t1, lsn }] = await app<{ t1: Date; lsn: string }>('select clock_timestamp() as t1, pg_current_wal_lsn()::text as lsn');

    // The receiver writes the commit into the .partial segment at once (--synchronous); status reads it back.
    const window = await until('a window ending at the insert\'s commit', async () => {
      const w = (await statusJson()).restorable_windows.find((x) => x.node === 'pg1');
      return w && w.to_source === 'last-transaction' && Date.parse(String(w.to)) >= t0.getTime() ? w : null;
    });
    expect(window).toMatchObject({ from: facts.endTime, from_lsn: facts.stopLsn, from_backup: id, timeline: facts.timeline, partial: true, outside_backups: [], problem: null });
    // The commit happened between the two clock readings on the node: the end is its recorded timestamp.
    expect(Date.parse(String(window.to))).toBeGreaterThanOrEqual(t0.getTime());
    expect(Date.parse(String(window.to))).toBeLessThanOrEqual(t1.getTime());
    // The end LSN is where the received WAL ends: at or after the commit.
    const lsnValue = (l: string) => { const [hi, lo] = l.split('/'); return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`); };
    expect(lsnValue(String(window.to_lsn))).toBeGreaterThanOrEqual(lsnValue(lsn) - 200n);
    expect(String(window.newest_segment)).toMatch(/^[0-9A-F]{24}$/);

    const text = await cli('status', '--no-nodes');
    expect(text.stdout).toContain('Restorable windows (point-in-time restore):');
    // The node keeps committing on its own (autovacuum): the end may have moved on since, never back.
    const line = new RegExp(`pg1: ${esc(facts.endTime)} to (\\S+Z) \\(last commit\\); LSN ${esc(facts.stopLsn)} to \\S+ on timeline ${facts.timeline}, from backup ${id}`).exec(text.stdout);
    expect(line, text.stdout).not.toBeNull();
    expect(Date.parse(line![1]!)).toBeGreaterThanOrEqual(Date.parse(String(window.to)));

    const page = join(work, 'status.html');
    const html = await cli('status', '--html', page);
    expect(html.exitCode, html.stderr).toBe(0);
    const inPage = new RegExp(`"restorableWindow":\\{"from":${Date.parse(facts.endTime)},"to":(\\d+)\\}`).exec(readFileSync(page, 'utf8'));
    expect(inPage).not.toBeNull();
    expect(Number(inPage![1])).toBeGreaterThanOrEqual(Date.parse(String(window.to)));
  }, 180_000);
});

describe('the restorable window off the archive machine', () => {
  it('computed where the archive is (check), recorded in the catalog; status --json elsewhere shows it with where, when and its age', async () => {
    // "Another machine": a process whose state directory holds no archive (the backup root is relative to it).
    const elsewhere = tempDir('pitr-elsewhere');
    const otherStatus = async () => {
      const r = await pgbackops(['status', '--json', '--no-nodes', '-c', configDir, '--state-dir', elsewhere, '--catalog', catalogUrl]);
      expect(r.exitCode, r.stderr).toBe(0);
      return (JSON.parse(r.stdout).restorable_windows as Array<Record<string, unknown>>).find((w) => w.node === 'pg1')!;
    };
    await queryAt(catalogConfig, 'delete from pgbackops.restorable_windows');
    expect(await otherStatus()).toMatchObject({ from: null, computed_at: null, problem: expect.stringMatching(/not on this machine and no window was recorded from it yet: ask on backup server backup01/) });

    const before = Date.now();
    const check = await cli('check', 'pg1');
    expect(check.stdout).toContain('node pg1');
    const here = (await statusJson()).restorable_windows.find((w) => w.node === 'pg1')!;
    const there = await otherStatus();
    // The window as the archive machine computed it: the same backup and start; its end as of the check.
    expect(there).toMatchObject({ from: here.from, from_lsn: here.from_lsn, from_backup: here.from_backup, timeline: here.timeline, problem: null, computed_by: 'check', computed_on: hostname() });
    expect(here).toMatchObject({ computed_at: null, computed_by: null, age_seconds: null });
    expect(Date.parse(String(there.computed_at))).toBeGreaterThanOrEqual(before - 1000);
    expect(Number(there.age_seconds)).toBeGreaterThanOrEqual(0);
    expect(Date.parse(String(there.to))).toBeLessThanOrEqual(Date.parse(String(here.to)));
    const text = await pgbackops(['status', '--no-nodes', '-c', configDir, '--state-dir', elsewhere, '--catalog', catalogUrl]);
    expect(text.stdout).toMatch(new RegExp(`pg1: ${esc(String(there.from))} to .* \\[computed on ${esc(hostname())} by check \\d+ s ago, at ${esc(String(there.computed_at))}\\]`));
    // check-status anywhere lists it too (informative: the state stays the definitions' and archives').
    const plugin = await pgbackops(['check-status', '--json', '--node', 'pg1', '--state-dir', elsewhere, '--catalog', catalogUrl]);
    expect(JSON.parse(plugin.stdout).restorable_windows).toEqual([expect.objectContaining({ node: 'pg1', from_backup: here.from_backup, computed_by: 'check' })]);
  }, 120_000);
});

/** A directory the job user (postgres) may create restore directories in. */
function restoreParent(): string {
  return jobUserDir(join(work, 'restores'), postgresUid, postgresGid);
}

async function restoredQuery<T extends pg.QueryResultRow>(dir: string, port: number, sql: string): Promise<T[]> {
  return queryAt<T>({ host: dir, port, user: String(node.config.user), database: 'app' }, sql);
}

function withRestore(yaml: string): Record<string, string> {
  return { ...baseConfig(), 'restore.yaml': `apiVersion: pgbackops/v1\nkind: Restore\n${yaml}` };
}

async function oneOff(name: string): Promise<{ state: string; message: string | null } | undefined> {
  const [row] = await queryAt<{ state: string; message: string | null }>(catalogConfig, 'select state, message from pgbackops.restores where name = $1', [name]);
  return row;
}

function maintain(): Promise<CliResult> {
  return pgbackops(['maintain', '--one-offs-only', '--state-dir', stateDir, '--catalog', catalogUrl]);
}

describe('a declarative Restore into a directory', () => {
  it('plan shows it; apply, and maintain runs it once: the directory holds the cluster at exactly the target time\'s rows; the plan is empty', async () => {
    const { id } = await backup();
    await app('create table pitr (n int)');
    await app('insert into pitr select generate_series(1, 10)');
    await new Promise((r) => setTimeout(r, 1100));
    const [{ target }] = await app<{ target: string }>(`select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as target`);
    await new Promise((r) => setTimeout(r, 1100));
    await app('insert into pitr select generate_series(11, 20)');
    await app('drop table t');
    // Recovery stops at the first commit after the target: the archive must hold one, which the window shows.
    await until('the drop in the archive', async () => {
      const w = (await statusJson()).restorable_windows.find((x) => x.node === 'pg1');
      return w && w.to_source === 'last-transaction' && String(w.to) > target ? w : null;
    });

    const dir = join(restoreParent(), 'declared');
    const port = await freePort();
    writeConfig(configDir, withRestore(`metadata: { name: before-drop }
spec:
  from: { backup: ${id} }
  toDir: ${dir}
  targetTime: "${target}"
  start: true
  port: ${port}
`));
    const plan = await cli('plan');
    expect(plan.stdout).toContain(`+ Restore before-drop`);
    expect(plan.stdout).toContain(`once as soon as applied: backup ${id} -> directory ${dir}, recovered to time ${target}, started on port ${port}`);
    await applyConverged(cli);
    expect(existsSync(dir)).toBe(false);

    const ran = await maintain();
    expect(ran.exitCode, ran.stdout + ran.stderr).toBe(0);
    started.push(dir);
    const job = await oneOff('before-drop');
    expect(job?.state, job?.message ?? '').toBe('succeeded');
    expect(job?.message).toMatch(new RegExp(`^restored backup ${id} into directory ${dir}; recovered to .*; running on port ${port}$`));
    expect(await restoredQuery(dir, port, 'select count(*)::int as n, max(n) as top from pitr')).toEqual([{ n: 10, top: 10 }]);
    expect(await restoredQuery(dir, port, 'select count(*)::int as n from t')).toEqual([{ n: 100 }]);
    expect(await restoredQuery(dir, port, 'select pg_is_in_recovery() as r')).toEqual([{ r: false }]);
    const [recorded] = await queryAt<{ method: string; target_dir: string; recovery_target: string; actor: string }>(catalogConfig,
      `select method, target_dir, recovery_target, actor from pgbackops.restore_runs where actor = 'Restore/before-drop'`);
    expect(recorded).toEqual({ method: 'basebackup', target_dir: dir, recovery_target: `time ${target}`, actor: 'Restore/before-drop' });

    // Once: nothing left to do, and the configuration converged.
    const again = await maintain();
    expect(again.stdout).toMatch(/no one-off job due/);
    const converged = await cli('plan', '--detailed-exitcode');
    expect(converged.exitCode, converged.stdout).toBe(0);
  }, 240_000);

  it('refused by the restore\'s checks (a time before the backup\'s end): the job fails saying why, nothing is written', async () => {
    const { id, facts } = await backup();
    const dir = join(restoreParent(), 'too-early');
    const early = new Date(Date.parse(facts.endTime) - 3_600_000).toISOString();
    writeConfig(configDir, withRestore(`metadata: { name: too-early }
spec:
  from: { backup: ${id} }
  toDir: ${dir}
  targetTime: "${early}"
`));
    await applyConverged(cli);
    await maintain();
    const job = await oneOff('too-early');
    expect(job?.state).toBe('failed');
    expect(job?.message).toMatch(/^refused, nothing was written: recovery target: .* is before the end of backup/);
    expect(existsSync(dir)).toBe(false);
  }, 240_000);

  it('a logical definition cannot be restored into a directory: refused at validate with its position', async () => {
    writeConfig(configDir, { ...withRestore(`metadata: { name: dump-to-dir }
spec:
  from: { latestOf: dumps }
  toDir: /srv/restores/x
`), 'dumps.yaml': `apiVersion: pgbackops/v1
kind: Backup
metadata: { name: dumps }
spec: { node: pg1, databases: [app], schedule: "41 3 * * *", retention: standard }
` });
    const r = await cli('validate');
    expect(r.exitCode).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/restore\.yaml:6:3: error E_RESTORE_METHOD[^\n]*dumps is a logical backup: it restores into a node's databases \(toNode\), not into a directory/);
  });
});
