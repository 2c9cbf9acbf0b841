// Snapshot and Restore objects end to end: applied like other objects (followed by an empty plan), run once
// when due by `pgbackops maintain` processes racing each other, the outcome recorded on the object, the
// restore compared with its source; a missed deadline, a re-armed job, changes after the fact, and an
// executor killed in the middle.
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgbackops, pgbackopsAsJobUser, spawnPgbackops, type CliResult, isStarterOrItsJobUserChild } from '../../helpers/cli.js';
import { clusterNodeDoc, retentionDoc, serverDoc, writeConfig } from '../../helpers/config.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { nodeOf, plainDump, queryAt } from '../../helpers/pg-tools.js';
import { seedDatabase } from '../../helpers/seed.js';
import { startDaemon, WAIT } from '../daemon/daemon-process.js';
import { waitFor } from '../../helpers/wait-for.js';
import { catalogConfig, catalogUrl, cli, configDir, openWorkspace, stateDir, work } from '../../helpers/workspace.js';

let source: TestCluster;
let target: TestCluster;
let catalog: TestCluster;

function oneOffYaml(kind: 'Snapshot' | 'Restore', name: string, spec: string): string {
  return `apiVersion: pgbackops/v1
kind: ${kind}
metadata: { name: ${name} }
spec:
${spec.trim().split('\n').map((l) => `  ${l}`).join('\n')}
`;
}
const snapshotYaml = (name: string, spec: string) => oneOffYaml('Snapshot', name, spec);
const restoreYaml = (name: string, spec: string) => oneOffYaml('Restore', name, spec);

/** The fixed part of the configuration plus the given one-off documents. */
function configure(oneOffs: string[]): void {
  writeConfig(configDir, {
    'server.yaml': serverDoc('backup01', join(work, 'cron', 'pgbackops')).replace('/srv/pgbackops', join(work, 'backups')),
    'nodes.yaml': [clusterNodeDoc('pg1', source), clusterNodeDoc('pg2', target)].join('---\n'),
    'retention.yaml': retentionDoc,
    'backups.yaml': `apiVersion: pgbackops/v1
kind: Backup
metadata: { name: shop-nightly }
spec: { node: pg1, databases: [shop], schedule: "41 1 * * *", retention: standard }
`,
    'one-offs.yaml': oneOffs.join('---\n'),
  });
}

// As cron starts the server's maintain line: as the job user.
function maintain(...args: string[]): Promise<CliResult> {
  return pgbackopsAsJobUser(['maintain', '--state-dir', stateDir, '--catalog', catalogUrl, ...args]);
}

/** apply, then a plan that must be empty: every apply converges. */
async function applyAndConverge(): Promise<void> {
  const apply = await cli('apply', '--yes');
  expect(apply.exitCode, apply.stderr + apply.stdout).toBe(0);
  const plan = await cli('plan', '--detailed-exitcode');
  expect(plan.exitCode, plan.stdout).toBe(0);
}

async function catalogRows<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  return queryAt<T>(catalogConfig, sql, params);
}

type JobRow = { name: string; state: string; message: string | null; result: { runs?: string[]; restore?: string } | null };

async function job(table: 'snapshots' | 'restores', name: string): Promise<JobRow | undefined> {
  const [row] = await catalogRows<JobRow>(`select name, state, message, result from pgbackops.${table} where name = $1`, [name]);
  return row;
}

async function runsOf(definition: string): Promise<Array<{ id: string; status: string; database: string | null; retention: unknown }>> {
  return catalogRows(`select id::text, status, database, retention from pgbackops.backup_runs where definition = $1 order by started_at`, [definition]);
}

beforeAll(async () => {
  [source, target, catalog] = await Promise.all([startTestCluster(), startTestCluster(), startTestCluster()]);
  await seedDatabase(source.config, 'shop', 300);
  // A second, plain database (the seeded roles exist once per cluster).
  const admin = new pg.Client(source.adminConfig);
  await admin.connect();
  await admin.query('create database ledger');
  await admin.end();
  const ledger = new pg.Client({ ...source.adminConfig, database: 'ledger' });
  await ledger.connect();
  await ledger.query(`create table entries (id integer primary key, amount numeric(12, 2), note text);
    insert into entries select g, g * 1.5, 'entry ' || g from generate_series(1, 500) g`);
  await ledger.end();
  await openWorkspace('one-off', catalog);
}, 120_000);

afterAll(async () => {
  await Promise.all([source?.stop(), target?.stop(), catalog?.stop()]);
});

describe('Snapshot and Restore objects', () => {
  it('run exactly once when several maintainers race; a restore of the latest snapshot waits for it', async () => {
    configure([
      snapshotYaml('shop-before-upgrade', 'node: pg1\ndatabases: [shop]\nat: "2026-01-01T00:00:00Z"\nkeepFor: 30d'),
      snapshotYaml('ledger-once', 'node: pg1\ndatabases: [ledger]\nformat: directory\njobs: 2\nkeepFor: 6mo'),
      snapshotYaml('both-once', 'node: pg1\ndatabases: [shop, ledger]\nkeepFor: 1d'),
      restoreYaml('shop-to-staging', 'from: { latestOf: shop-before-upgrade }\ntoNode: pg2\ndatabase: shop_staging\nroles: reuse'),
      restoreYaml('ledger-to-staging', 'from: { latestOf: ledger-once, database: ledger }\ntoNode: pg2\nroles: reuse'),
      restoreYaml('later', 'from: { latestOf: shop-before-upgrade }\ntoNode: pg2\ndatabase: shop_later\nat: "2099-01-01T00:00:00+01:00"'),
    ]);
    const plan = await cli('plan');
    expect(plan.stdout).toMatch(/\+ Snapshot shop-before-upgrade/);
    expect(plan.stdout).toMatch(/\+ Restore shop-to-staging .*latest of shop-before-upgrade -> pg2\/shop_staging/);
    await applyAndConverge();
    expect((await job('snapshots', 'shop-before-upgrade'))?.state).toBe('pending');

    const racers = await Promise.all([1, 2, 3, 4].map(() => maintain('--one-offs-only', '--json')));
    for (const r of racers) expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    // Every due job was reported by exactly one of them.
    const reported = racers.flatMap((r) => (JSON.parse(r.stdout) as { servers: Array<{ one_offs: Array<{ kind: string; name: string; state: string }> }> }).servers[0]!.one_offs);
    expect(reported.map((j) => `${j.kind}/${j.name}:${j.state}`).sort()).toEqual([
      'Restore/ledger-to-staging:succeeded', 'Restore/shop-to-staging:succeeded',
      'Snapshot/both-once:succeeded', 'Snapshot/ledger-once:succeeded', 'Snapshot/shop-before-upgrade:succeeded',
    ]);

    // One run per database of each snapshot, recorded with the snapshot's keepFor as its retention.
    const shopRuns = await runsOf('shop-before-upgrade');
    expect(shopRuns.map((r) => [r.status, r.database])).toEqual([['succeeded', 'shop']]);
    expect(shopRuns[0]!.retention).toEqual({ expireAfter: '30d' });
    expect((await runsOf('both-once')).map((r) => r.database).sort()).toEqual(['ledger', 'shop']);
    const snap = await job('snapshots', 'shop-before-upgrade');
    expect(snap).toMatchObject({ state: 'succeeded', result: { runs: [shopRuns[0]!.id] } });
    expect(snap!.message).toMatch(/^1 backup\(s\) taken \(shop\)/);

    // Each restore ran once, from the snapshot, and the restored databases equal their sources.
    const restores = await catalogRows<{ actor: string; status: string; backup_run_id: string }>(
      `select actor, status, backup_run_id::text from pgbackops.restore_runs order by actor`);
    expect(restores.map((r) => [r.actor, r.status])).toEqual([['Restore/ledger-to-staging', 'succeeded'], ['Restore/shop-to-staging', 'succeeded']]);
    expect(restores.find((r) => r.actor === 'Restore/shop-to-staging')!.backup_run_id).toBe(shopRuns[0]!.id);
    expect(await job('restores', 'shop-to-staging')).toMatchObject({ state: 'succeeded', result: { backup: shopRuns[0]!.id } });
    for (const [restored, original] of [['shop_staging', 'shop'], ['ledger', 'ledger']] as const) {
      expect(await plainDump(nodeOf(target), restored, '--data-only')).toBe(await plainDump(nodeOf(source), original, '--data-only'));
      expect(await plainDump(nodeOf(target), restored, '--schema-only')).toBe(await plainDump(nodeOf(source), original, '--schema-only'));
    }
    // Not due yet.
    expect((await job('restores', 'later'))?.state).toBe('pending');

    // status shows each job with its outcome.
    const status = await pgbackops(['status', '--state-dir', stateDir, '--catalog', catalogUrl, '--json']);
    expect(status.exitCode, status.stderr).toBe(0);
    const oneOffs = (JSON.parse(status.stdout) as { one_offs: Array<{ kind: string; name: string; state: string }> }).one_offs;
    expect(oneOffs.map((j) => `${j.kind}/${j.name}:${j.state}`)).toContain('Restore/later:pending');
    expect(oneOffs.map((j) => `${j.kind}/${j.name}:${j.state}`)).toContain('Snapshot/shop-before-upgrade:succeeded');
    const text = (await pgbackops(['status', '--no-nodes', '--state-dir', stateDir, '--catalog', catalogUrl])).stdout;
    expect(text).toMatch(/One-off jobs:\n\s+KIND\s+NAME\s+STATE\s+DUE\s+FINISHED\s+RESULT/);
    expect(text).toMatch(/Restore\s+later\s+pending\s+2098-12-31 23:00:00Z\s+-/);
    expect(text).toMatch(/Snapshot\s+shop-before-upgrade\s+succeeded\s+2026-01-01 00:00:00Z\s+\S+ \S+\s+1 backup\(s\) taken \(shop\)/);

    // Nothing runs twice.
    const again = await maintain('--one-offs-only');
    expect(again.stdout).toMatch(/no one-off job due/);
    expect(await runsOf('shop-before-upgrade')).toHaveLength(1);
  });

  it('changing or removing a job that ran does nothing to its result', async () => {
    configure([
      snapshotYaml('shop-before-upgrade', 'node: pg1\ndatabases: [shop]\nat: "2026-01-01T00:00:00Z"\nkeepFor: 90d\nremarks: kept longer'),
      snapshotYaml('ledger-once', 'node: pg1\ndatabases: [ledger]\nformat: directory\njobs: 2\nkeepFor: 6mo'),
      snapshotYaml('both-once', 'node: pg1\ndatabases: [shop, ledger]\nkeepFor: 1d'),
      restoreYaml('later', 'from: { latestOf: shop-before-upgrade }\ntoNode: pg2\ndatabase: shop_later\nat: "2099-01-01T00:00:00+01:00"'),
    ]);
    const plan = await cli('plan');
    expect(plan.stdout).toMatch(/~ Snapshot shop-before-upgrade/);
    expect(plan.stdout).toMatch(/note: it already ran \(succeeded\): the change is recorded but does not run it again/);
    expect(plan.stdout).toMatch(/- Restore shop-to-staging/);
    expect(plan.stdout).toMatch(/- Restore shop-to-staging\n\s+note: it ran \(succeeded\): what it restored stays/);
    await applyAndConverge();
    expect((await job('snapshots', 'shop-before-upgrade'))?.state).toBe('succeeded');
    expect(await job('restores', 'shop-to-staging')).toBeUndefined();
    await maintain('--one-offs-only');
    expect(await runsOf('shop-before-upgrade')).toHaveLength(1);
    // The restore history outlives the object.
    expect(await catalogRows(`select 1 from pgbackops.restore_runs where actor = 'Restore/shop-to-staging'`)).toHaveLength(1);
  });

  it("a snapshot's backups expire keepFor after they were taken, the only one too, and prune --force leaves them alone", async () => {
    // Both snapshots ran in the first test; ledger-once keeps 6 months, both-once 1 day. Age them by 2 days.
    await catalogRows(`update pgbackops.backup_runs set started_at = started_at - interval '2 days', finished_at = finished_at - interval '2 days'
                        where definition in ('both-once', 'ledger-once')`);
    const [dirs] = await catalogRows<{ dirs: string[] }>(`select array_agg(directory) as dirs from pgbackops.backup_runs where definition = 'both-once'`);
    expect(dirs!.dirs).toHaveLength(2);
    for (const dir of dirs!.dirs) expect(existsSync(dir)).toBe(true);

    // The Snapshot objects are removed from the configuration: their backups live out their keepFor.
    configure([]);
    await applyAndConverge();
    const dry = await pgbackops(['prune', '--dry-run', '--state-dir', stateDir, '--catalog', catalogUrl]);
    expect(dry.stdout).toMatch(/expire\s+both-once shop .* snapshot older than its keepFor 1d/);
    const forced = await pgbackops(['prune', '--force', '--state-dir', stateDir, '--catalog', catalogUrl]);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(await runsOf('both-once')).toEqual([]);
    for (const dir of dirs!.dirs) expect(existsSync(dir)).toBe(false);
    // Younger than its keepFor, and not removed by --force although the Snapshot object is gone.
    expect(await job('snapshots', 'ledger-once')).toBeUndefined();
    expect((await runsOf('ledger-once')).map((r) => r.status)).toEqual(['succeeded']);
    const verbose = await pgbackops(['prune', '--dry-run', '--verbose-decisions', '--state-dir', stateDir, '--catalog', catalogUrl]);
    expect(verbose.stdout).toMatch(/keep\s+ledger-once ledger .* snapshot kept for 6mo after it was taken \(until /);
  });

  it('a job past its startingDeadline is missed, and runs once its time is moved', async () => {
    configure([snapshotYaml('too-late', 'node: pg1\ndatabases: [shop]\nat: "2020-01-01T00:00:00Z"\nstartingDeadline: 1h\nkeepFor: 1d')]);
    await applyAndConverge();
    const first = await maintain('--one-offs-only');
    expect(first.exitCode).toBe(1);
    expect(first.stdout).toMatch(/Snapshot too-late: missed: not started: it was due at 2020-01-01T00:00:00.000Z/);
    expect(await job('snapshots', 'too-late')).toMatchObject({ state: 'missed' });
    expect(await runsOf('too-late')).toEqual([]);

    configure([snapshotYaml('too-late', `node: pg1\ndatabases: [shop]\nat: "${new Date(Date.now() - 60_000).toISOString()}"\nstartingDeadline: 1h\nkeepFor: 1d`)]);
    await applyAndConverge();
    expect((await job('snapshots', 'too-late'))?.state).toBe('pending');
    const second = await maintain('--one-offs-only');
    expect(second.exitCode, second.stdout).toBe(0);
    expect((await job('snapshots', 'too-late'))?.state).toBe('succeeded');
    expect(await runsOf('too-late')).toHaveLength(1);
  });

  it('a restore whose backup does not exist fails with the reason instead of waiting forever', async () => {
    configure([
      restoreYaml('nothing-there', 'from: { backup: 00000000-0000-4000-8000-000000000000 }\ntoNode: pg2\ndatabase: never'),
      restoreYaml('unknown-source', 'from: { latestOf: no-such-definition }\ntoNode: pg2'),
    ]);
    const validate = await pgbackops(['validate', '-c', configDir]);
    expect(validate.stdout + validate.stderr).toMatch(/W_RESTORE_SOURCE_UNKNOWN/);
    await applyAndConverge();
    const result = await maintain('--one-offs-only');
    expect(result.exitCode).toBe(1);
    expect(await job('restores', 'nothing-there')).toMatchObject({ state: 'failed', message: 'backup 00000000-0000-4000-8000-000000000000 is not in the catalog (expired, or never existed)' });
    expect(await job('restores', 'unknown-source')).toMatchObject({ state: 'failed', message: 'no-such-definition has no succeeded backup in the catalog' });
  });

  it('an executor killed in the middle: the next maintain records the job as it ended, and never runs it twice', async () => {
    configure([snapshotYaml('killed', 'node: pg1\ndatabases: [shop]\nkeepFor: 1d')]);
    await applyAndConverge();
    // Hold a lock pg_dump must wait for, so the snapshot stays in progress until the executor is killed.
    const blocker = new pg.Client({ ...source.adminConfig, database: 'shop' });
    await blocker.connect();
    await blocker.query('begin');
    await blocker.query('lock table "Sales".customers in access exclusive mode');
    try {
      const executor = spawnPgbackops(['maintain', '--one-offs-only', '--state-dir', stateDir, '--catalog', catalogUrl]);
      await waitFor(async () => (await runsOf('killed')).some((r) => r.status === 'running'));
      const [claim] = await catalogRows(`select claimed_by from pgbackops.snapshots where name = 'killed'`);
      expect(String(claim!.claimed_by)).toMatch(new RegExp(`^${hostname()}:\\d+$`));
      expect(await isStarterOrItsJobUserChild(Number(String(claim!.claimed_by).split(':').pop()), executor.pid)).toBe(true);
      executor.kill('SIGKILL');
      await executor;
    } finally {
      await blocker.query('rollback');
      await blocker.end();
    }
    expect((await job('snapshots', 'killed'))?.state).toBe('running');
    const next = await maintain('--one-offs-only');
    expect(next.stdout).toMatch(/Snapshot killed: failed: 1 of 1 backup\(s\) did not succeed; shop: abandoned/);
    expect((await job('snapshots', 'killed'))?.state).toBe('failed');
    expect((await runsOf('killed')).map((r) => r.status)).toEqual(['abandoned']);
    // Not retried.
    await maintain('--one-offs-only');
    expect(await runsOf('killed')).toHaveLength(1);
  });
});

describe('the daemon', () => {
  it('runs a one-off job when its time comes, once, while maintainers from cron race it', async () => {
    configure([]);
    await applyAndConverge();
    const daemon = await startDaemon(['-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl, '--server', 'backup01']);
    try {
      await daemon.waitForLog((l) => l.msg === 'pass finished' || l.msg === 'converged', WAIT).catch(() => undefined);
      const at = new Date(Date.now() + 4_000).toISOString();
      configure([snapshotYaml('daemon-snap', `node: pg1\ndatabases: [shop]\nat: "${at}"\nkeepFor: 1d`)]);
      // The daemon watches the directory and applies the new object itself.
      await waitFor(async () => (await job('snapshots', 'daemon-snap')) !== undefined, WAIT);
      expect((await job('snapshots', 'daemon-snap'))?.state).toBe('pending');
      // Maintainers started by cron keep trying meanwhile.
      const racers: Array<Promise<CliResult>> = [];
      const racing = setInterval(() => racers.push(maintain('--one-offs-only')), 700);
      try {
        await waitFor(async () => ['succeeded', 'failed'].includes((await job('snapshots', 'daemon-snap'))?.state ?? ''), WAIT);
      } finally {
        clearInterval(racing);
        await Promise.all(racers);
      }
      expect(await job('snapshots', 'daemon-snap')).toMatchObject({ state: 'succeeded' });
      expect(await runsOf('daemon-snap')).toHaveLength(1);
      const [row] = await catalogRows<{ claimed_at: Date }>(`select claimed_at from pgbackops.snapshots where name = 'daemon-snap'`);
      expect(row!.claimed_at.getTime()).toBeGreaterThanOrEqual(Date.parse(at));
      // The daemon woke up for it (whoever of it and the racers claimed it first).
      expect(daemon.logs.some((l) => l.job === 'one-off jobs' && l.msg === 'job started')).toBe(true);
    } finally {
      expect(await daemon.stop()).toBe(0);
    }
  });
});
