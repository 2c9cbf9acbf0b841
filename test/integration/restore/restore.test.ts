// `pgbackops restore` end to end through the built CLI: backups taken with the real `pgbackops run` from a
// seeded node, restored into other real clusters, compared with the source; refusals, renames and failures
// checked against what is (and is not) left on the target.
import { chownSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyConverged, pgbackops, runRecorded, spawnPgbackops, isStarterOrItsJobUserChild } from '../../helpers/cli.js';
import { clusterNodeDoc } from '../../helpers/config.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { databaseNames, databaseState, nodeOf, plainDump, query, queryAt, roleNames, rolesState } from '../../helpers/pg-tools.js';
import { SEEDED_ROLES } from '../../helpers/seed.js';
import { catalogConfig, catalogUrl, cli, configDir, openTwoNodeWorkspace, stateDir, work } from '../../helpers/workspace.js';

const DB = 'Shop "Ω" db=1';
const POSTGRES_UID = 101;

let source: TestCluster;
let target: TestCluster;
let catalog: TestCluster;
const backups: Record<string, string> = {};


async function catalogRows<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  return queryAt<T>(catalogConfig, sql, params);
}


async function expectSameDatabase(restored: TestCluster, restoredName: string, sourceName = DB): Promise<void> {
  expect(await plainDump(nodeOf(restored), restoredName, '--schema-only')).toBe(await plainDump(nodeOf(source), sourceName, '--schema-only'));
  expect(await plainDump(nodeOf(restored), restoredName, '--data-only')).toBe(await plainDump(nodeOf(source), sourceName, '--data-only'));
}

function aclAsSet(state: unknown): unknown {
  const s = state as { acl: string | null };
  return { ...s, acl: s.acl === null ? null : s.acl.replace(/^\{|\}$/g, '').split(',').sort() };
}

beforeAll(async () => {
  ({ source, target, catalog } = await openTwoNodeWorkspace('restore', { database: DB, rows: 500 }, [
    ['shop-custom', `databases: ['${DB.replace(/'/g, "''")}']\nformat: custom`],
    ['shop-dir', `databases: ['${DB.replace(/'/g, "''")}']\nformat: directory\njobs: 2`],
    ['whole', 'type: cluster'],
    ['spaced', 'databases: [spaced]\nformat: custom'],
  ]));
  const apply = await applyConverged(cli);
  expect(apply.exitCode, apply.stderr).toBe(0);
  // The cluster dump first: the tablespace created below must not be in it.
  backups.whole = await runRecorded(stateDir, catalogConfig, 'whole');
  backups.custom = await runRecorded(stateDir, catalogConfig, 'shop-custom');
  backups.dir = await runRecorded(stateDir, catalogConfig, 'shop-dir');

  // A database with a table in a tablespace that other clusters do not have: its restore fails after the
  // database and its roles were created.
  // Inside the source cluster's base directory, which the postgres user can enter (and stop() removes).
  const tsDir = join(dirname(source.dataDir), 'tablespace');
  mkdirSync(tsDir, { mode: 0o700 });
  chownSync(tsDir, POSTGRES_UID, POSTGRES_UID);
  const admin = new pg.Client(source.adminConfig);
  await admin.connect();
  try {
    await admin.query('create role spaced_owner login');
    await admin.query(`create tablespace spaced_ts location '${tsDir}'`);
    await admin.query('create database spaced owner spaced_owner');
  } finally {
    await admin.end();
  }
  const spaced = new pg.Client({ ...source.adminConfig, database: 'spaced' });
  await spaced.connect();
  try {
    await spaced.query('set role spaced_owner');
    await spaced.query('create table before_ts (x int)');
    await spaced.query('reset role');
    await spaced.query('create table in_ts (x int) tablespace spaced_ts');
    await spaced.query('alter table in_ts owner to spaced_owner');
  } finally {
    await spaced.end();
  }
  backups.spaced = await runRecorded(stateDir, catalogConfig, 'spaced');
  // A cluster dump that now holds the tablespace too: its CREATE TABLESPACE fails anywhere else on this
  // machine (the directory is in use), after the script created its roles.
  backups.wholeWithTablespace = await runRecorded(stateDir, catalogConfig, 'whole');
}, 180_000);

afterAll(async () => {
  await Promise.all([source?.stop(), target?.stop(), catalog?.stop()]);
});

describe('pgbackops restore', () => {
  it('--dry-run prints the plan and changes nothing', async () => {
    const before = { dbs: await databaseNames(target), roles: await roleNames(target) };
    const result = await cli('restore', backups.custom!, '--to-node', 'pg2', '--dry-run');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('ok   checksums:');
    expect(result.stdout).toContain('All checks passed.');
    expect(result.stdout).toMatch(/create role\(s\) .*"app_owner"/);
    expect(result.stdout).toContain(`create database ${JSON.stringify(DB)}`);
    const asJson = await cli('restore', backups.custom!, '--to-node', 'pg2', '--dry-run', '--json');
    expect(JSON.parse(asJson.stdout).plan.roles_to_create).toContain('app_owner');
    expect(asJson.stdout).not.toMatch(/SCRAM-SHA-256|md5[0-9a-f]{32}/); // no password hash in any output
    expect({ dbs: await databaseNames(target), roles: await roleNames(target) }).toEqual(before);
    expect(await catalogRows('select * from pgbackops.restore_runs')).toEqual([]);
  });

  it('refuses when not on a TTY without --yes', async () => {
    const result = await cli('restore', backups.custom!, '--to-node', 'pg2');
    expect(result.exitCode).toBe(1); // a usage error: 2 is only --detailed-exitcode's (docs/cli.md)
    expect(result.stderr).toMatch(/pass --yes/);
  });

  it('restores a custom archive into an empty cluster: same schema, data, roles, settings, ACLs, large objects', async () => {
    const result = await cli('restore', backups.custom!.slice(0, 8), '--to-node', 'pg2', '--yes');
    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toMatch(/Restore .* succeeded/);
    await expectSameDatabase(target, DB);
    expect(await rolesState(target, SEEDED_ROLES)).toEqual(await rolesState(source, SEEDED_ROLES));
    expect(await databaseState(target, DB)).toEqual(await databaseState(source, DB));
    expect(await query(target, DB, 'select count(*)::int as n from pg_largeobject_metadata')).toEqual([{ n: 1 }]);
    expect(await roleNames(target)).not.toContain('app_lurker');
    const [row] = await catalogRows('select * from pgbackops.restore_runs');
    expect(row).toMatchObject({
      status: 'succeeded', purpose: 'restore', backup_run_id: backups.custom, target_node: 'pg2', target_database: DB,
      source_database: DB, renamed_existing_to: null, definition: 'shop-custom',
    });
    expect((row!.created_roles as string[]).sort()).toEqual([...SEEDED_ROLES].sort());
  });

  it('refuses an existing database and existing roles, listing them, and changes nothing', async () => {
    const before = { dbs: await databaseNames(target), roles: await roleNames(target) };
    const result = await cli('restore', backups.dir!, '--to-node', 'pg2', '--yes');
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(`FAIL target database: database ${JSON.stringify(DB)} already exists on pg2`);
    expect(result.stdout).toMatch(/FAIL roles: role\(s\) already on pg2: .*"app_owner"/);
    expect(result.stdout).toContain('nothing was changed');
    expect({ dbs: await databaseNames(target), roles: await roleNames(target) }).toEqual(before);
    const refused = await catalogRows(`select * from pgbackops.restore_runs where status = 'failed'`);
    expect(refused).toHaveLength(1);
    expect(String(refused[0]!.failure_reason)).toMatch(/^refused: /);
  });

  it('--database restores under another name (directory format, parallel jobs) reusing roles with --roles reuse', async () => {
    const alter = new pg.Client(target.adminConfig);
    await alter.connect();
    // A reused role is never altered: a difference made on the target survives the restore.
    await alter.query('alter role app_user connection limit 3');
    await alter.end();
    const result = await cli('restore', backups.dir!, '--to-node', 'pg2', '--database', 'Shop copy', '--roles', 'reuse', '--jobs', '2', '--yes');
    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    await expectSameDatabase(target, 'Shop copy');
    expect(await query(target, 'postgres', `select rolconnlimit from pg_roles where rolname = 'app_user'`)).toEqual([{ rolconnlimit: 3 }]);
    const [row] = await catalogRows(`select * from pgbackops.restore_runs where target_database = 'Shop copy'`);
    expect(row).toMatchObject({ status: 'succeeded', created_roles: [] });
  });

  it('--rename-existing renames the existing database out of the way, never drops it', async () => {
    const marker = new pg.Client({ ...target.adminConfig, database: DB });
    await marker.connect();
    await marker.query('create table public.marker_before_restore (x int)');
    await marker.end();
    const result = await cli('restore', backups.custom!, '--to-node', 'pg2', '--rename-existing', '--roles', 'reuse', '--yes');
    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    const [row] = await catalogRows(`select * from pgbackops.restore_runs where backup_run_id = $1 and renamed_existing_to is not null`, [backups.custom]);
    const renamed = String(row!.renamed_existing_to);
    expect(renamed).toMatch(new RegExp(`^${DB.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_\\d{14}$`));
    expect(await databaseNames(target)).toContain(renamed);
    expect(await query(target, renamed, `select count(*)::int as n from pg_tables where tablename = 'marker_before_restore'`)).toEqual([{ n: 1 }]);
    await expectSameDatabase(target, DB);
  });

  it('a restore that fails after creating the database drops only what it created and renames back', async () => {
    // An existing "spaced" database on the target that must come back under its name, untouched.
    const admin = new pg.Client(target.adminConfig);
    await admin.connect();
    await admin.query('create database spaced');
    await admin.end();
    const keep = new pg.Client({ ...target.adminConfig, database: 'spaced' });
    await keep.connect();
    await keep.query('create table keep_me (x int)');
    await keep.end();
    const before = { dbs: await databaseNames(target), roles: await roleNames(target) };

    const result = await cli('restore', backups.spaced!, '--to-node', 'pg2', '--rename-existing', '--roles', 'reuse', '--yes');
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/failed: pg_restore failed/);
    expect(result.stdout).toContain('dropped database "spaced" (created by this restore)');
    expect(result.stdout).toContain('dropped role "spaced_owner" (created by this restore)');
    expect(result.stdout).toMatch(/renamed database "spaced_\d{14}" back to "spaced"/);
    expect({ dbs: await databaseNames(target), roles: await roleNames(target) }).toEqual(before);
    expect(await query(target, 'spaced', `select count(*)::int as n from pg_tables where tablename = 'keep_me'`)).toEqual([{ n: 1 }]);
    const [row] = await catalogRows(`select * from pgbackops.restore_runs where backup_run_id = $1`, [backups.spaced]);
    expect(row).toMatchObject({ status: 'failed' });
    expect(String(row!.log)).toMatch(/tablespace "spaced_ts" does not exist/i);
  });

  it('refuses a backup whose files no longer match the manifest, before touching anything', async () => {
    const [row] = await catalogRows('select directory from pgbackops.backup_runs where id = $1', [backups.custom]);
    const file = join(String(row!.directory), 'dump.pgdump');
    const original = readFileSync(file);
    const corrupted = Buffer.from(original);
    corrupted[Math.floor(corrupted.length / 2)] ^= 0x01;
    writeFileSync(file, corrupted);
    try {
      const before = { dbs: await databaseNames(target), roles: await roleNames(target) };
      const result = await cli('restore', backups.custom!, '--to-node', 'pg2', '--database', 'never', '--yes');
      expect(result.exitCode).toBe(1);
      expect(result.stdout).toContain('FAIL checksums: dump.pgdump: sha256 differs from the manifest');
      expect({ dbs: await databaseNames(target), roles: await roleNames(target) }).toEqual(before);
      const verify = await cli('verify', backups.custom!);
      expect(verify.exitCode).toBe(1);
      expect(verify.stdout).toContain('FAIL checksums: dump.pgdump: sha256 differs from the manifest');
    } finally {
      writeFileSync(file, original);
    }
  });

  it('restores a cluster dump into an empty cluster, the bootstrap superuser left as it is', async () => {
    const fresh = await startTestCluster();
    try {
      writeFileSync(join(configDir, 'node3.yaml'), clusterNodeDoc('pg3', fresh));
      const apply = await applyConverged(cli);
      expect(apply.exitCode, apply.stderr).toBe(0);
      const dry = await cli('restore', backups.whole!, '--to-node', 'pg3', '--dry-run');
      expect(dry.stdout).toContain('All checks passed.');
      expect(dry.stdout).toContain(`database(s) ${JSON.stringify(DB)}`);
      const result = await cli('restore', backups.whole!, '--to-node', 'pg3', '--yes');
      expect(result.exitCode, result.stderr + result.stdout).toBe(0);
      await expectSameDatabase(fresh, DB);
      expect(await rolesState(fresh, SEEDED_ROLES)).toEqual(await rolesState(source, SEEDED_ROLES));
      // pg_dumpall's own script grants the database ACL items in another order (same privileges): compared
      // as a set here, unlike database backups, whose database.sql keeps the order.
      expect(aclAsSet(await databaseState(fresh, DB))).toEqual(aclAsSet(await databaseState(source, DB)));
      // A second time: every role and the database exist now.
      const again = await cli('restore', backups.whole!, '--to-node', 'pg3', '--yes');
      expect(again.exitCode).toBe(1);
      expect(again.stdout).toContain(`FAIL target database: database ${JSON.stringify(DB)} already exists on pg3`);
    } finally {
      await fresh.stop();
    }
  });
});

describe('pgbackops restore of a cluster dump into a cluster that is not empty', () => {
  it('refuses existing roles; with --roles reuse leaves them untouched; --rename-existing moves the database aside', async () => {
    // pg2 holds the roles the database needs (app_user altered there) and the database by now; app_lurker,
    // which only the cluster dump has, is created.
    const refused = await cli('restore', backups.whole!, '--to-node', 'pg2', '--yes');
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout).toMatch(/FAIL roles: role\(s\) already on pg2: .*"app_user"/);
    const before = await query(target, 'postgres', `select rolname, rolconnlimit, rolconfig from pg_roles where rolname = 'app_user'`);
    const result = await cli('restore', backups.whole!, '--to-node', 'pg2', '--roles', 'reuse', '--rename-existing', '--yes');
    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    expect(await query(target, 'postgres', `select rolname, rolconnlimit, rolconfig from pg_roles where rolname = 'app_user'`)).toEqual(before);
    await expectSameDatabase(target, DB);
    const [row] = await catalogRows(`select * from pgbackops.restore_runs where backup_run_id = $1 and status = 'succeeded' and target_node = 'pg2'`, [backups.whole]);
    expect(row).toMatchObject({ target_node: 'pg2', target_database: null, created_roles: ['app_lurker'], created_databases: [DB] });
    expect(String(row!.renamed_existing_to)).toMatch(/_\d{14}$/);
  });
});

describe('a cluster dump restore that fails part way', () => {
  it('drops the roles and databases the script created and leaves the cluster as it was', async () => {
    const fresh = await startTestCluster();
    try {
      writeFileSync(join(configDir, 'node5.yaml'), clusterNodeDoc('pg5', fresh));
      await applyConverged(cli);
      const before = { dbs: await databaseNames(fresh), roles: await roleNames(fresh) };
      const result = await cli('restore', backups.wholeWithTablespace!, '--to-node', 'pg5', '--yes');
      expect(result.exitCode).toBe(1);
      expect(result.stdout).toMatch(/failed: psql stopped at an error/);
      expect(result.stdout).toContain('dropped role "app_owner" (created by this restore)');
      expect({ dbs: await databaseNames(fresh), roles: await roleNames(fresh) }).toEqual(before);
      const [row] = await catalogRows(`select * from pgbackops.restore_runs where target_node = 'pg5'`);
      expect(row).toMatchObject({ status: 'failed', created_roles: [] });
      expect(String(row!.log)).toMatch(/already in use as a tablespace/);
    } finally {
      await fresh.stop();
    }
  });
});

/** The psql/pg_restore processes `pid` has started, waiting until there is one. */
async function toolChildren(pid: number): Promise<number[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    const tools = children.filter((child) => {
      try {
        return /^(psql|pg_restore)$/.test(readFileSync(`/proc/${child}/comm`, 'utf8').trim());
      } catch {
        return false;
      }
    });
    if (tools.length > 0) return tools;
    if (Date.now() > deadline) throw new Error(`process ${pid} never started psql or pg_restore`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until none of `pids` is a running process (a zombie counts as gone); fails after 20 s. */
async function waitUntilGone(pids: number[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  const running = (pid: number): boolean => {
    try {
      return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };
  while (pids.some(running)) {
    if (Date.now() > deadline) throw new Error(`still running after the restore was killed: ${pids.filter(running).join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a restore killed part way', () => {
  it('is recorded as failed (abandoned) by the next maintain or restore on its host, not left running', async () => {
    const fresh = await startTestCluster();
    // Another session creates a role the restore needs and does not commit: the restore's CREATE ROLE waits
    // on it, so the restore is surely in progress when it is killed.
    const second = await startTestCluster();
    // The killed restore's server session carries on once the blocker is gone (nobody tells it its client
    // died), so each kill gets a cluster of its own.
    const blocker = new pg.Client(fresh.adminConfig);
    const secondBlocker = new pg.Client(second.adminConfig);
    await blocker.connect();
    await secondBlocker.connect();
    const killRestoreMidWay = async (node: string, blocker: pg.Client): Promise<{ id: string; pid: number | undefined }> => {
      await blocker.query('begin');
      await blocker.query('create role app_owner');
      const restore = spawnPgbackops(['restore', backups.custom!, '--to-node', node, '--yes', '--state-dir', stateDir, '--catalog', catalogUrl]);
      const deadline = Date.now() + 30_000;
      let rows: Array<Record<string, unknown>> = [];
      while ((rows = await catalogRows(`select id::text from pgbackops.restore_runs where target_node = $1 and status = 'running'`, [node])).length === 0) {
        if (Date.now() > deadline) throw new Error('the restore never started');
        await new Promise((r) => setTimeout(r, 100));
      }
      const [claim] = await catalogRows(`select executor from pgbackops.restore_runs where id = $1`, [rows[0]!.id]);
      const executorPid = Number(String(claim!.executor).split(':').pop());
      expect(await isStarterOrItsJobUserChild(executorPid, restore.pid)).toBe(true);
      const tools = await toolChildren(executorPid);
      restore.kill('SIGKILL');
      await restore.catch(() => undefined);
      // The psql it had started dies with it (the kernel's parent-death signal), rather than going on loading
      // into the target once the blocker is gone, under a row that will say the restore was abandoned.
      await waitUntilGone(tools);
      await blocker.query('rollback');
      return { id: String(rows[0]!.id), pid: executorPid };
    };
    try {
      writeFileSync(join(configDir, 'node6.yaml'), clusterNodeDoc('pg6', fresh) + '---\n' + clusterNodeDoc('pg7', second));
      await applyConverged(cli);
      const killed = await killRestoreMidWay('pg6', blocker);
      const [running] = await catalogRows(`select id::text, executor from pgbackops.restore_runs where id = $1`, [killed.id]);
      expect(running!.executor).toBe(`${hostname()}:${killed.pid}`);

      const maintain = await pgbackops(['maintain', '--state-dir', stateDir, '--catalog', catalogUrl]);
      expect(maintain.exitCode, maintain.stderr).toBe(0);
      expect(maintain.stdout).toMatch(/1 restore\(s\) marked abandoned/);
      const [row] = await catalogRows(`select status, failure_reason, finished_at from pgbackops.restore_runs where id = $1`, [running!.id]);
      expect(row).toMatchObject({ status: 'failed', failure_reason: expect.stringMatching(/^abandoned: the process running it \(.*\) died/) });
      expect(row!.finished_at).toBeInstanceOf(Date);
      // Only once.
      expect((await pgbackops(['maintain', '--state-dir', stateDir, '--catalog', catalogUrl])).stdout).toMatch(/0 restore\(s\) marked abandoned/);

      // Without a maintain: the next restore on this host closes the row (whatever that restore's own outcome).
      const again = await killRestoreMidWay('pg7', secondBlocker);
      expect(await catalogRows(`select status from pgbackops.restore_runs where id = $1`, [again.id])).toEqual([{ status: 'running' }]);
      await pgbackops(['restore', backups.custom!, '--to-node', 'pg7', '--yes', '--rename-existing', '--state-dir', stateDir, '--catalog', catalogUrl]);
      const [closed] = await catalogRows(`select status, failure_reason from pgbackops.restore_runs where id = $1`, [again.id]);
      expect(closed).toMatchObject({ status: 'failed', failure_reason: expect.stringMatching(/^abandoned: /) });
    } finally {
      await blocker.end().catch(() => undefined);
      await secondBlocker.end().catch(() => undefined);
      await fresh.stop();
      await second.stop();
    }
  });
});

describe('the backup directories, as the README describes them', () => {
  it('db-<percent-encoded name>/<UTC timestamp>/ with the dump and captures; _cluster/<timestamp>/ with the script only', async () => {
    const dirOf = async (id: string) => String((await catalogRows('select directory from pgbackops.backup_runs where id = $1', [id]))[0]!.directory);
    const root = join(work, 'backups', 'pg1');
    const entries = (dir: string) => readdirSync(dir).sort();
    const custom = await dirOf(backups.custom!);
    expect(dirname(custom)).toBe(join(root, 'shop-custom', 'db-Shop%20%22%CE%A9%22%20db%3D1'));
    expect(basename(custom)).toMatch(/^\d{8}T\d{6}Z$/);
    expect(entries(custom)).toEqual(['database.sql', 'dump.pgdump', 'globals.json', 'manifest.json', 'roles.sql', 'run.log']);
    expect(entries(await dirOf(backups.dir!))).toEqual(['database.sql', 'dump', 'globals.json', 'manifest.json', 'roles.sql', 'run.log']);
    const whole = await dirOf(backups.whole!);
    expect(dirname(whole)).toBe(join(root, 'whole', '_cluster'));
    expect(entries(whole)).toEqual(['dump.sql.gz', 'manifest.json', 'run.log']); // compressed with gzip, the default
    expect(statSync(whole).mode & 0o777).toBe(0o700);
    for (const dir of [custom, whole]) {
      for (const f of entries(dir)) expect(statSync(join(dir, f)).mode & 0o777, f).toBe(0o600);
    }
  });
});

describe('pgbackops verify', () => {
  it('checks the checksums and reads the archive table of contents', async () => {
    const result = await cli('verify', backups.dir!);
    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toMatch(/ok   checksums: \d+ file\(s\) match the manifest/);
    expect(result.stdout).toMatch(/ok   archive: pg_restore --list read \d+ entries/);
    const json = JSON.parse((await cli('verify', '--latest', 'shop-custom', '--json')).stdout);
    expect(json).toMatchObject({ backup_id: backups.custom, ok: true, archive: { checked: true, problem: null }, trial: null });
    expect(json.pgbackops_version).toEqual(expect.any(String));
    expect(json.archive.entries).toBeGreaterThan(10);
  });

  it('--restore of a cluster dump: checksums checked, then refused (no scratch name to restore a whole cluster into)', async () => {
    const result = await cli('verify', backups.whole!, '--restore', '--to-node', 'pg2');
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/ok   checksums: \d+ file\(s\) match the manifest/);
    expect(result.stdout).toContain('FAIL trial restore: a cluster dump restores every database and role under its own name: no trial restore into a scratch database');
  });

  it('--restore restores into a scratch database, drops it and the roles it created, and records the duration', async () => {
    const fresh = await startTestCluster();
    try {
      writeFileSync(join(configDir, 'node4.yaml'), clusterNodeDoc('pg4', fresh));
      await applyConverged(cli);
      const before = { dbs: await databaseNames(fresh), roles: await roleNames(fresh) };
      const result = await cli('verify', '--latest', 'shop-dir', '--restore', '--to-node', 'pg4', '--jobs', '2');
      expect(result.exitCode, result.stderr + result.stdout).toBe(0);
      expect(result.stdout).toMatch(/ok   trial restore into "pgbackops_verify_[0-9a-f]{8}_\d{14}" on pg4 in \d+\.\d s; scratch database dropped/);
      expect({ dbs: await databaseNames(fresh), roles: await roleNames(fresh) }).toEqual(before);
      const [row] = await catalogRows(`select *, extract(epoch from finished_at - started_at) as seconds from pgbackops.restore_runs where purpose = 'trial'`);
      expect(row).toMatchObject({ status: 'succeeded', target_node: 'pg4', backup_run_id: backups.dir });
      expect(Number(row!.seconds)).toBeGreaterThan(0);
      expect(String(row!.log)).toMatch(/trial: dropped database "pgbackops_verify_[0-9a-f]{8}_\d{14}" \(created by this restore\)/);
    } finally {
      await fresh.stop();
    }
  });
});
