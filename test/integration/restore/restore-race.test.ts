// Restores that race: each other, and someone else's CREATE DATABASE / CREATE ROLE. The rule under test: a
// failed restore undoes only what it proved it created (its own CREATE succeeded), and restores aimed at the
// same target database of a node are serialised (the loser fails, naming the conflict). Real CLI processes
// racing against real clusters, repeated for several rounds; the deterministic cases hold the window open
// with an uncommitted CREATE ROLE of another session, so the interleaving they test happens every time.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyConverged, pgbackops, runRecorded, spawnPgbackops } from '../../helpers/cli.js';
import { backupSpecDoc, clusterNodeDoc, retentionDoc, serverDoc, writeConfig } from '../../helpers/config.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { databaseNames, nodeOf, plainDump, query, queryAt, roleNames } from '../../helpers/pg-tools.js';
import { SEEDED_ROLES, UNRELATED_ROLE, seedDatabase } from '../../helpers/seed.js';
import { catalogConfig, catalogUrl, cli, configDir, openWorkspace, stateDir, work } from '../../helpers/workspace.js';

const DB = 'shop';
/** Concurrent restores per round, and rounds: enough for every round to hit the window on a 2-core machine. */
const RACERS = 4;
const ROUNDS = 4;

let source: TestCluster;
let target: TestCluster;
/** Emptied again after each test that restores into it. */
let empty: TestCluster;
let catalog: TestCluster;
const backups: Record<string, string> = {};


function restoreArgs(...args: string[]): string[] {
  return ['restore', ...args, '--yes', '--state-dir', stateDir, '--catalog', catalogUrl];
}

async function catalogRows<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  return queryAt<T>(catalogConfig, sql, params);
}


async function expectSameDatabase(restored: TestCluster, restoredName: string): Promise<void> {
  expect(await plainDump(nodeOf(restored), restoredName, '--schema-only')).toBe(await plainDump(nodeOf(source), DB, '--schema-only'));
  expect(await plainDump(nodeOf(restored), restoredName, '--data-only')).toBe(await plainDump(nodeOf(source), DB, '--data-only'));
}

async function admin<T>(cluster: TestCluster, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client(cluster.adminConfig);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Someone else's database: created outside pgbackops, with a table that tells it apart from a restored one. */
async function createStrangerDatabase(cluster: TestCluster, name: string, c?: pg.Client): Promise<void> {
  const run = (client: pg.Client) => client.query(`create database ${pg.escapeIdentifier(name)}`);
  if (c) await run(c);
  else await admin(cluster, run);
  const inside = new pg.Client({ ...cluster.adminConfig, database: name });
  await inside.connect();
  try {
    await inside.query('create table stranger_data (x int)');
  } finally {
    await inside.end();
  }
}

async function hasStrangerData(cluster: TestCluster, name: string): Promise<boolean> {
  return (await query<{ n: number }>(cluster, name, `select count(*)::int as n from pg_tables where tablename = 'stranger_data'`))[0]!.n === 1;
}

/** Waits until a restore to `database` on `node` is recorded as running (it has planned and holds its target). */
async function waitForRunningRestore(node: string, database: string | null): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const rows = await catalogRows(
      `select 1 from pgbackops.restore_runs where target_node = $1 and target_database is not distinct from $2 and status = 'running'`, [node, database],
    );
    if (rows.length > 0) return;
    if (Date.now() > deadline) throw new Error(`no restore to ${node}/${database} started`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Removes what a cluster-dump restore of the seeded cluster put into `cluster`, for the next round. */
async function emptyCluster(cluster: TestCluster): Promise<void> {
  await admin(cluster, async (c) => {
    const dbs = await c.query<{ datname: string }>(`select datname from pg_database where datname not in ('postgres', 'template0', 'template1')`);
    for (const { datname } of dbs.rows) await c.query(`drop database ${pg.escapeIdentifier(datname)} with (force)`);
    for (const role of [UNRELATED_ROLE, ...[...SEEDED_ROLES].reverse()]) await c.query(`drop role if exists ${pg.escapeIdentifier(role)}`);
  });
}

beforeAll(async () => {
  [source, target, empty, catalog] = await Promise.all([startTestCluster(), startTestCluster(), startTestCluster(), startTestCluster()]);
  await seedDatabase(source.config, DB, 500);
  await openWorkspace('restore-race', catalog);
  writeConfig(configDir, {
    'server.yaml': serverDoc('backup01', join(work, 'cron', 'pgbackops'), join(work, 'backups')),
    'nodes.yaml': [clusterNodeDoc('pg1', source), clusterNodeDoc('pg2', target), clusterNodeDoc('pg3', empty)].join('---\n'),
    'retention.yaml': retentionDoc,
    'backups.yaml': [backupSpecDoc('shop', `databases: [${DB}]\nformat: custom`), backupSpecDoc('whole', 'type: cluster')].join('---\n'),
  });
  await applyConverged(cli);
  backups.shop = await runRecorded(stateDir, catalogConfig, 'shop');
  backups.whole = await runRecorded(stateDir, catalogConfig, 'whole');
  // pg2 gets the roles the database needs (with a first copy of it): restores there reuse them.
  const seed = await pgbackops(restoreArgs(backups.shop!, '--to-node', 'pg2', '--database', 'seed_copy'));
  expect(seed.exitCode, seed.stdout + seed.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  await Promise.all([source?.stop(), target?.stop(), empty?.stop(), catalog?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('restores of a database backup into the same new name, at once', () => {
  it('exactly one succeeds, its database intact and identical to the source; the others fail naming the conflict', async () => {
    // The roles exist on the target, reused: the racers meet at the database.
    for (let round = 1; round <= ROUNDS; round++) {
      const name = `race_${round}`;
      const racers = Array.from({ length: RACERS }, () => spawnPgbackops(restoreArgs(backups.shop!, '--to-node', 'pg2', '--database', name, '--roles', 'reuse')));
      const results = await Promise.all(racers);
      const winners = results.filter((r) => r.exitCode === 0);
      expect(winners, `round ${round}: ${results.map((r) => `exit ${r.exitCode}: ${String(r.stdout)}`).join('\n---\n')}`).toHaveLength(1);
      for (const loser of results.filter((r) => r.exitCode !== 0)) {
        expect(loser.exitCode).toBe(1);
        // Either refused by the plan (the winner had finished) or by the lock (the winner was under way).
        expect(String(loser.stdout)).toMatch(new RegExp(`(database "${name}" already exists on pg2|another restore into database "${name}" on node pg2 is in progress)`));
        expect(String(loser.stdout)).not.toMatch(/dropped database/);
      }
      await expectSameDatabase(target, name);
      const rows = await catalogRows<{ status: string }>(`select status from pgbackops.restore_runs where target_database = $1 order by status`, [name]);
      expect(rows.map((r) => r.status)).toEqual([...Array<string>(RACERS - 1).fill('failed'), 'succeeded']);
    }
  }, 600_000);
});

describe('a restore racing a CREATE DATABASE of the same name by someone else', () => {
  it('never drops the other database: held open between the plan and the restore\'s CREATE DATABASE', async () => {
    const before = { dbs: await databaseNames(empty), roles: await roleNames(empty) };
    // The restore creates the roles first (pg3 is empty); an uncommitted CREATE ROLE of another session holds
    // that step, after the restore planned and started, while someone creates the database.
    const blocker = new pg.Client(empty.adminConfig);
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('create role app_owner');
      const restore = spawnPgbackops(restoreArgs(backups.shop!, '--to-node', 'pg3'));
      await waitForRunningRestore('pg3', DB);
      await createStrangerDatabase(empty, DB);
      await blocker.query('rollback');
      const result = await restore;
      expect(result.exitCode, String(result.stdout)).toBe(1);
      expect(String(result.stdout)).toMatch(new RegExp(`creating database "${DB}" failed: .*already exists`));
      expect(String(result.stdout)).not.toContain(`dropped database "${DB}"`);
      // The roles it did create are its own: dropped.
      expect(String(result.stdout)).toContain('dropped role "app_owner" (created by this restore)');
    } finally {
      await blocker.end().catch(() => undefined);
    }
    expect(await hasStrangerData(empty, DB)).toBe(true);
    expect({ dbs: await databaseNames(empty), roles: await roleNames(empty) }).toEqual({ dbs: [...before.dbs, DB].sort(), roles: before.roles });
    await emptyCluster(empty);
  }, 120_000);

  it('racing for real: whoever loses, the database that exists afterwards is the winner\'s, intact', async () => {
    const outcomes = { restore: 0, stranger: 0 };
    for (let round = 1; round <= ROUNDS; round++) {
      const name = `stranger_${round}`;
      const c = new pg.Client(target.adminConfig);
      await c.connect();
      try {
        const restore = spawnPgbackops(restoreArgs(backups.shop!, '--to-node', 'pg2', '--database', name, '--roles', 'reuse'));
        // As soon as the restore has planned (database absent) and started, someone creates the name.
        const stranger = waitForRunningRestore('pg2', name).then(() => createStrangerDatabase(target, name, c)).then(() => true, () => false);
        const [result, strangerWon] = await Promise.all([restore, stranger]);
        expect(await databaseNames(target)).toContain(name);
        if (strangerWon) {
          outcomes.stranger++;
          expect(result.exitCode, String(result.stdout)).toBe(1);
          expect(String(result.stdout)).not.toContain(`dropped database "${name}"`);
          expect(await hasStrangerData(target, name)).toBe(true);
        } else {
          outcomes.restore++;
          expect(result.exitCode, String(result.stdout)).toBe(0);
          await expectSameDatabase(target, name);
        }
      } finally {
        await c.end();
      }
    }
    expect(outcomes.restore + outcomes.stranger).toBe(ROUNDS);
  }, 600_000);
});

describe('cluster-dump restores', () => {
  it('into one empty cluster at once: exactly one succeeds with the whole cluster; nothing of it is dropped', async () => {
    for (let round = 1; round <= ROUNDS - 1; round++) {
      const before = await roleNames(empty);
      const results = await Promise.all(Array.from({ length: RACERS }, () => spawnPgbackops(restoreArgs(backups.whole!, '--to-node', 'pg3'))));
      const winners = results.filter((r) => r.exitCode === 0);
      expect(winners, `round ${round}: ${results.map((r) => `exit ${r.exitCode}: ${String(r.stdout)}`).join('\n---\n')}`).toHaveLength(1);
      for (const loser of results.filter((r) => r.exitCode !== 0)) {
        expect(String(loser.stdout)).not.toMatch(/dropped (database|role)/);
      }
      await expectSameDatabase(empty, DB);
      expect(await roleNames(empty)).toEqual([...before, ...SEEDED_ROLES, UNRELATED_ROLE].sort());
      await emptyCluster(empty);
    }
  }, 600_000);

  it('a CREATE DATABASE by someone else while the script runs: only the roles the script created are dropped', async () => {
    const before = { dbs: await databaseNames(empty), roles: await roleNames(empty) };
    const blocker = new pg.Client(empty.adminConfig);
    await blocker.connect();
    try {
      // The script's first CREATE ROLE waits on this one; meanwhile someone creates the script's database.
      await blocker.query('begin');
      await blocker.query('create role app_owner');
      const restore = spawnPgbackops(restoreArgs(backups.whole!, '--to-node', 'pg3'));
      await waitForRunningRestore('pg3', null);
      await createStrangerDatabase(empty, DB);
      await blocker.query('rollback');
      const result = await restore;
      expect(result.exitCode, String(result.stdout)).toBe(1);
      expect(String(result.stdout)).toMatch(/failed: psql stopped at an error .*already exists/);
      expect(String(result.stdout)).toContain('dropped role "app_owner" (created by this restore)');
      expect(String(result.stdout)).not.toContain(`dropped database "${DB}"`);
    } finally {
      await blocker.end().catch(() => undefined);
    }
    expect(await hasStrangerData(empty, DB)).toBe(true);
    expect(await roleNames(empty)).toEqual(before.roles);
    await emptyCluster(empty);
  }, 120_000);
});

describe('roles someone else creates while a restore runs', () => {
  it('cluster dump: the undo drops the roles the script created, never the one whose CREATE ROLE failed', async () => {
    const before = await roleNames(empty);
    const stranger = new pg.Client(empty.adminConfig);
    await stranger.connect();
    try {
      // pg_dumpall creates roles in name order: "Mixed Case", app_lurker and app_owner before app_user, whose
      // CREATE ROLE waits on this one, which is then committed: the script's fails, "already exists".
      await stranger.query('begin');
      await stranger.query('create role app_user');
      const restore = spawnPgbackops(restoreArgs(backups.whole!, '--to-node', 'pg3'));
      await waitForRunningRestore('pg3', null);
      // Wait until the script is blocked on that role (its first three roles are created by then).
      const deadline = Date.now() + 60_000;
      while ((await query(empty, 'postgres', `select 1 from pg_roles where rolname = 'app_owner'`)).length === 0) {
        if (Date.now() > deadline) throw new Error('the script never reached its roles');
        await new Promise((r) => setTimeout(r, 5));
      }
      await stranger.query('commit');
      const result = await restore;
      expect(result.exitCode, String(result.stdout)).toBe(1);
      // (A CREATE ROLE that waited on another session's reports the unique index rather than "already exists".)
      expect(String(result.stdout)).toMatch(/failed: psql stopped at an error .*(role "app_user" already exists|duplicate key value)/);
      for (const role of ['Mixed Case', UNRELATED_ROLE, 'app_owner']) expect(String(result.stdout)).toContain(`dropped role "${role}" (created by this restore)`);
      expect(String(result.stdout)).not.toContain('dropped role "app_user"');
    } finally {
      await stranger.end().catch(() => undefined);
    }
    expect(await roleNames(empty)).toEqual([...before, 'app_user'].sort());
    await emptyCluster(empty);
  }, 120_000);
});

describe('verify --restore', () => {
  it('a trial restore whose scratch database someone else created meanwhile leaves that database alone', async () => {
    const before = await roleNames(empty);
    const blocker = new pg.Client(empty.adminConfig);
    await blocker.connect();
    let scratch = '';
    try {
      await blocker.query('begin');
      await blocker.query('create role app_owner');
      const verify = spawnPgbackops(['verify', backups.shop!, '--restore', '--to-node', 'pg3', '--state-dir', stateDir, '--catalog', catalogUrl]);
      const deadline = Date.now() + 60_000;
      let rows: Array<{ target_database: string }> = [];
      while ((rows = await catalogRows(`select target_database from pgbackops.restore_runs where target_node = 'pg3' and purpose = 'trial' and status = 'running'`)).length === 0) {
        if (Date.now() > deadline) throw new Error('the trial restore never started');
        await new Promise((r) => setTimeout(r, 5));
      }
      scratch = rows[0]!.target_database;
      await createStrangerDatabase(empty, scratch);
      await blocker.query('rollback');
      const result = await verify;
      expect(result.exitCode, String(result.stdout)).toBe(1);
      expect(String(result.stdout)).toMatch(/FAIL trial restore/);
    } finally {
      await blocker.end().catch(() => undefined);
    }
    expect(await hasStrangerData(empty, scratch)).toBe(true);
    expect(await roleNames(empty)).toEqual(before);
    await emptyCluster(empty);
  }, 120_000);
});
