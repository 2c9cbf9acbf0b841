// Tablespaces in a base backup, end to end against real PostgreSQL 15 (docs/restore.md, "Tablespaces"): a
// cluster with a table in its own tablespace is backed up by `pgbackops run` (one <OID>.tar for it); a restore
// into a directory refuses without a location for the tablespace, listing it, places it with
// --tablespace-map OLD=NEW, and the restored cluster serves the table's rows from the new location;
// `verify --restore` places it in its temporary directory.
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyConverged, pgbackops, spawnPgbackops } from '../../helpers/cli.js';
import { basebackupConfigDocs, clusterNodeDoc, jobUserDir, writeConfig } from '../../helpers/config.js';
import { catalogConfig, catalogUrl, cli, configDir, openWorkspace, stateDir, work } from '../../helpers/workspace.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { query, queryAt } from '../../helpers/pg-tools.js';
import { freePort } from '../../helpers/free-port.js';
import { runDeclaredRestore } from '../../helpers/declared-restore.js';

const PG_CTL = '/usr/lib/postgresql/15/bin/pg_ctl';
let source: TestCluster;
let catalog: TestCluster;
let location: string;
let postgresUid: number;
let postgresGid: number;
let backupId: string;
let oid: string;
const started: string[] = [];


beforeAll(async () => {
  [source, catalog] = await Promise.all([startTestCluster(), startTestCluster()]);
  postgresUid = Number((await execa('id', ['-u', 'postgres'])).stdout);
  postgresGid = Number((await execa('id', ['-g', 'postgres'])).stdout);
  await openWorkspace('tblspc', catalog);
  location = join(work, 'ts-orders');
  mkdirSync(location, { mode: 0o700 });
  chownSync(location, postgresUid, postgresGid);
  await source.createDatabase('app');
  await query(source, 'app', `create tablespace orders_space location '${location}'`);
  await query(source, 'app', 'create table orders (n int primary key) tablespace orders_space');
  await query(source, 'app', 'insert into orders select generate_series(1, 250)');
  [{ oid }] = await query<{ oid: string }>(source, 'app', `select oid::text from pg_tablespace where spcname = 'orders_space'`);
  writeConfig(configDir, basebackupConfigDocs(work, clusterNodeDoc('pg1', source)));
  await applyConverged(cli);
  const run = await pgbackops(['run', '--state-dir', stateDir, 'phys']);
  expect(run.exitCode, run.stderr + run.stdout).toBe(0);
  const [row] = await queryAt<{ id: string; directory: string }>(catalogConfig, `select id::text, directory from pgbackops.backup_runs where definition = 'phys' and status = 'succeeded'`);
  backupId = row!.id;
  expect(readdirSync(row!.directory)).toContain(`${oid}.tar.gz`);
}, 240_000);

afterAll(async () => {
  for (const dir of started) await execa('runuser', ['-u', 'postgres', '--', PG_CTL, 'stop', '-D', dir, '-m', 'immediate', '-w'], { reject: false, cwd: '/' });
  await Promise.all([source?.stop(), catalog?.stop()]);
});

describe('basebackup: a cluster with a tablespace', () => {
  it('a restore without a location for the tablespace is refused, listing it and its location in the backup; nothing written', async () => {
    const dir = join(jobUserDir(join(work, 'r'), postgresUid, postgresGid), 'nomap');
    const r = await cli('restore', backupId, '--to-dir', dir, '--yes');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(`the backup holds tablespaces that need a new location: ${oid} at ${location} (${oid}.tar.gz); give --tablespace-map OLD=NEW for each`);
    const unknown = await cli('restore', backupId, '--to-dir', dir, '--tablespace-map', `/nowhere=${join(work, 'x')}`, '--yes');
    expect(unknown.stdout).toMatch(/--tablespace-map names \/nowhere, which is no tablespace of the backup/);
    expect(existsSync(dir)).toBe(false);
  });

  it('--tablespace-map OLD=NEW: extracted there, tablespace_map rewritten; started, the table\'s rows are served from the new location', async () => {
    const parent = jobUserDir(join(work, 'r'), postgresUid, postgresGid);
    const dir = join(parent, 'mapped');
    const newLocation = join(parent, 'ts-new');
    const port = await freePort();
    const child = spawnPgbackops(['restore', backupId, '--to-dir', dir, '--tablespace-map', `${location}=${newLocation}`, '--start', '--port', String(port), '--yes', '-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl]);
    const r = await child;
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    started.push(dir);
    // Started as root, the restore became the job user itself (act-as-job-user.ts, becomeJobUser): the process
    // started is the one that restored, with no second Node process for the job user.
    const [{ executor }] = await queryAt<{ executor: string }>(catalogConfig, `select executor from pgbackops.restore_runs where target_dir = $1`, [dir]);
    expect(executor).toBe(`${hostname()}:${child.pid}`);
    expect(r.stdout).toContain(`ok  tablespaces: ${oid} from ${location} to ${newLocation} (created)`);
    // PostgreSQL made the link from the rewritten map when recovery started, and kept it as tablespace_map.old.
    expect(readFileSync(join(dir, 'tablespace_map.old'), 'utf8')).toBe(`${oid} ${newLocation}\n`);
    const restored = { host: dir, port, user: String(source.config.user), database: 'app' };
    expect(await queryAt(restored, 'select count(*)::int as n, max(n) as hi from orders')).toEqual([{ n: 250, hi: 250 }]);
    expect(await queryAt(restored, `select pg_tablespace_location(oid) as at from pg_tablespace where spcname = 'orders_space'`)).toEqual([{ at: newLocation }]);
    expect(readlinkSync(join(dir, 'pg_tblspc', oid))).toBe(newLocation);
    expect(readdirSync(newLocation).some((n) => n.startsWith('PG_15_'))).toBe(true);
    // The source's own tablespace is untouched.
    expect((await query<{ n: number }>(source, 'app', 'select count(*)::int as n from orders'))[0]!.n).toBe(250);
  }, 180_000);

  it('a declarative Restore with tablespaceMap places the tablespace as --tablespace-map does; the rows are served from there', async () => {
    const parent = jobUserDir(join(work, 'r'), postgresUid, postgresGid);
    const dir = join(parent, 'declared');
    const newLocation = join(parent, 'ts-declared');
    const port = await freePort();
    const job = await runDeclaredRestore('orders-elsewhere',
      `  from: { backup: ${backupId} }\n  toDir: ${dir}\n  tablespaceMap:\n    ${location}/: ${newLocation}\n  start: true\n  port: ${port}\n`);
    started.push(dir);
    expect(job.state, `${job.message}\n${job.maintain.stdout}${job.maintain.stderr}`).toBe('succeeded');
    const restored = { host: dir, port, user: String(source.config.user), database: 'app' };
    expect(await queryAt(restored, 'select count(*)::int as n from orders')).toEqual([{ n: 250 }]);
    expect(await queryAt(restored, `select pg_tablespace_location(oid) as at from pg_tablespace where spcname = 'orders_space'`)).toEqual([{ at: newLocation }]);
    expect(readlinkSync(join(dir, 'pg_tblspc', oid))).toBe(newLocation);
  }, 180_000);

  it('a tablespace location that is not empty is refused, and left alone', async () => {
    const parent = jobUserDir(join(work, 'r'), postgresUid, postgresGid);
    const full = join(parent, 'ts-full');
    mkdirSync(full);
    writeFileSync(join(full, 'precious'), 'x');
    const r = await cli('restore', backupId, '--to-dir', join(parent, 'refused'), '--tablespace-map', `${location}=${full}`, '--yes');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(`${full} (for tablespace ${oid}) is not empty (1 entries)`);
    expect(readdirSync(full)).toEqual(['precious']);
    expect(existsSync(join(parent, 'refused'))).toBe(false);
    // --tablespace-map-all ROOT: the tablespace goes into ROOT/<OID>, checked as a NEW is.
    const root = join(parent, 'all-ts');
    mkdirSync(join(root, oid), { recursive: true });
    writeFileSync(join(root, oid, 'precious'), 'x');
    const all = await cli('restore', backupId, '--to-dir', join(parent, 'refused'), '--tablespace-map-all', root, '--yes');
    expect(all.exitCode).toBe(1);
    expect(all.stdout).toContain(`${join(root, oid)} (for tablespace ${oid}) is not empty (1 entries)`);
    rmSync(join(root, oid), { recursive: true });
    const planned = await cli('restore', backupId, '--to-dir', join(parent, 'refused'), '--tablespace-map-all', root, '--dry-run');
    expect(planned.exitCode, planned.stdout).toBe(0);
    expect(planned.stdout).toContain(`${oid} from ${location} to ${join(root, oid)} (created)`);
    expect(existsSync(join(parent, 'refused'))).toBe(false);
  });

  it('verify (pg_verifybackup) and verify --restore place the tablespace in their temporary directory', async () => {
    const r = await cli('verify', backupId, '--restore', '--json');
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    // Restored, started and queried (amcheck too): the trial restore succeeded, its tablespace in the temporary directory.
    expect(r.stdout).toMatch(/"status": "succeeded"/);
    expect(r.stdout).toMatch(new RegExp(`tablespace ${oid} \\(${location} in the backup\\) extracted into ${tmpdir().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/pgbackops-verify-[^ ]+/tablespaces/${oid} \\(created\\)`));
  }, 180_000);
});
