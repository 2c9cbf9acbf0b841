// `restore`'s progress line on a TTY (docs/cli.md#progress), under a pseudo-terminal (util-linux `script`):
// a logical restore shows the bytes of the dump its loading tool has read against the dump's size (pg_restore
// of a custom archive, with one job and with --jobs 2; psql fed a cluster dump by its decompressor); a base
// backup the tars read by tar against their size, then recovery to the backup's end; a pgBackRest backup the
// bytes written into the directory against the cluster's size. Each ends with the outcome and the elapsed
// time. Without a terminal, or with --json / --quiet, nothing of it is printed. Real PostgreSQL, pg_dump,
// pg_restore, psql, pg_basebackup, pgBackRest, tar; no times are asserted.
import { chmodSync, chownSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyConverged, runRecorded } from '../../helpers/cli.js';
import { backupSpecDoc, clusterNodeDoc, clusterNodeSpecDoc, jobUserDir, retentionDoc, serverDoc, writeConfig } from '../../helpers/config.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { query, queryAt } from '../../helpers/pg-tools.js';
import { formatBytes } from '../../../src/core/reports/format.js';
import { parseLsn } from '../../../src/core/wal/wal-segment.js';
import { freePort } from '../../helpers/free-port.js';
import { catalogConfig, cli, cliOnTty, configDir, openWorkspace, stateDir, work } from '../../helpers/workspace.js';

let cluster: TestCluster;
/** A node whose WAL goes to a pgBackRest stanza of the backup server. */
let brNode: TestCluster;
/** An empty cluster a cluster dump is restored into. */
let target: TestCluster;
let postgresUid: number;
let postgresGid: number;
/** The backup of each definition, by name. */
const ids: Record<string, string> = {};
const started: string[] = [];
const PG_CTL = '/usr/lib/postgresql/15/bin/pg_ctl';

/** The backup's recorded files and their sizes. */
async function filesOf(id: string): Promise<{ directory: string; files: Array<{ path: string; bytes: number }> }> {
  const [row] = await queryAt<{ directory: string; files: Array<{ path: string; bytes: number }> }>(catalogConfig,
    'select directory, files from pgbackops.backup_runs where id = $1', [id]);
  return row!;
}

const SIZE = String.raw`[\d.]+ (?:B|KiB|MiB|GiB)`;

/** Every percentage a step's line showed, in order. */
function percentages(output: string, step: string): number[] {
  const re = new RegExp(String.raw`restore [0-9a-f]{8}: ${step.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: (\d{1,2})% ${SIZE} of ~${SIZE}, ${SIZE}/s`, 'g');
  return [...output.matchAll(re)].map((m) => Number(m[1]));
}

const FINAL = new RegExp(String.raw`restore [0-9a-f]{8}: succeeded, [\d.]+s elapsed`);

beforeAll(async () => {
  [cluster, target, brNode] = await Promise.all([startTestCluster(), startTestCluster(), startTestCluster()]);
  postgresUid = Number((await execa('id', ['-u', 'postgres'])).stdout);
  postgresGid = Number((await execa('id', ['-g', 'postgres'])).stdout);
  await openWorkspace('restore-progress', cluster);
  chmodSync(work, 0o755); // pgBackRest's archive-push runs as postgres and reaches the repository under it
  // The node archives its WAL where the basebackup method's restore looks for it (docs/restore.md).
  const archiveDir = join(work, 'backups', 'pg1', '_wal');
  for (const dir of [join(work, 'backups'), join(work, 'backups', 'pg1'), archiveDir]) {
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, postgresUid, postgresGid);
  }
  // The big tables are written before archiving is turned on, and a checkpoint then recycles the WAL they
  // took (archive_mode off: no segment is left waiting for the archiver): their ~150 MB of WAL per node are
  // not copied into the archive, nor compressed by pgBackRest's archive-push. The backups are taken later, and
  // need only the WAL from their own start. Enough rows that loading takes more than a second (the files'
  // reads are sampled twice a second).
  const big = `create table big as select g, md5(g::text) || md5((g * 7)::text) as t from generate_series(1, 1500000) g`;
  await Promise.all([cluster.createDatabase('app'), brNode.createDatabase('app')]);
  await Promise.all([query(cluster, 'app', big), query(brNode, 'app', big)]);
  // For the runs without a line: what is printed does not depend on the size.
  await cluster.createDatabase('small');
  await query(cluster, 'small', 'create table t as select generate_series(1, 100) as n');
  await Promise.all([query(cluster, 'postgres', 'checkpoint'), query(brNode, 'postgres', 'checkpoint')]);
  await query(cluster, 'postgres', 'alter system set archive_mode = on');
  await query(cluster, 'postgres', `alter system set archive_command = 'test ! -f ${archiveDir}/%f && cp %p ${archiveDir}/.%f.tmp && mv ${archiveDir}/.%f.tmp ${archiveDir}/%f'`);
  await query(brNode, 'postgres', 'alter system set archive_mode = on');
  await query(brNode, 'postgres', `alter system set archive_command = 'pgbackrest --config=${join(work, 'backups', '_pgbackrest', 'pgbackrest.conf')} --stanza=pg3 archive-push %p'`);
  await Promise.all([cluster.pause(), brNode.pause()]);
  await Promise.all([cluster.resume(), brNode.resume()]);
  writeConfig(configDir, {
    'server.yaml': serverDoc('backup01', join(work, 'cron', 'pgbackops'), join(work, 'backups')),
    'nodes.yaml': [
      clusterNodeDoc('pg1', cluster),
      clusterNodeDoc('pg2', target),
      clusterNodeSpecDoc('pg3', brNode, `pgbackrest: { pgPath: ${brNode.dataDir}, pgSocketPath: ${brNode.socketDir} }`),
    ].join('---\n'),
    'retention.yaml': retentionDoc,
    'backups.yaml': [
      backupSpecDoc('custom', 'databases: [app]\nformat: custom'),
      backupSpecDoc('small', 'databases: [small]\nformat: custom'),
      backupSpecDoc('all', 'type: cluster'),
      backupSpecDoc('phys', 'method: basebackup\ncheckpoint: fast\ncompression: { method: gzip, level: 1 }'),
      backupSpecDoc('br', 'method: pgbackrest\nbackupType: full').replace('node: pg1', 'node: pg3'),
    ].join('---\n'),
  });
  await applyConverged(cli);
  // Taken before any restore adds databases to the cluster (each restore's copy is dropped after it, too).
  for (const name of ['custom', 'small', 'all', 'phys', 'br']) ids[name] = await runRecorded(stateDir, catalogConfig, name);
}, 600_000);

/** Drops what a restore created on `on`, so the next backups and restores stay small. */
async function dropCopy(on: TestCluster, database: string): Promise<void> {
  await query(on, 'postgres', `drop database if exists ${database} with (force)`);
}

afterAll(async () => {
  for (const dir of started) await execa('runuser', ['-u', 'postgres', '--', PG_CTL, 'stop', '-D', dir, '-m', 'immediate', '-w'], { reject: false, cwd: '/' });
  await Promise.all([cluster?.stop(), target?.stop(), brNode?.stop()]);
});

describe('restore progress: logical backups', () => {
  it('pg_restore of a custom archive: the archive read against its size, then the outcome and the elapsed time', async () => {
    const { files } = await filesOf(ids.custom!);
    const dump = files.find((f) => f.path === 'dump.pgdump')!;
    const r = await cliOnTty('restore', ids.custom!, '--to-node', 'pg1', '--database', 'app_one', '--yes');
    await dropCopy(cluster, 'app_one');
    expect(r.exitCode, r.output).toBe(0);
    const seen = percentages(r.output, 'loading dump.pgdump');
    expect(r.output).toContain(`of ~${formatBytes(dump.bytes)}`);
    // Honest: it moves while pg_restore reads, and never claims the whole before the end.
    expect(Math.max(...seen), r.output).toBeGreaterThan(0);
    expect(Math.max(...seen)).toBeLessThan(100);
    expect(r.output).toMatch(FINAL);
    expect(r.output).toMatch(/Restore [0-9a-f-]+ succeeded\./);
  }, 120_000);

  it('pg_restore --jobs 2: its workers\' reads are counted together', async () => {
    const r = await cliOnTty('restore', ids.custom!, '--to-node', 'pg1', '--database', 'app_two', '--jobs', '2', '--yes');
    await dropCopy(cluster, 'app_two');
    expect(r.exitCode, r.output).toBe(0);
    expect(Math.max(...percentages(r.output, 'loading dump.pgdump')), r.output).toBeGreaterThan(0);
    expect(r.output).toMatch(FINAL);
  }, 120_000);

  it('psql fed a cluster dump through its decompression: the compressed file read against its size', async () => {
    const dump = (await filesOf(ids.all!)).files.find((f) => /^dump\.sql/.test(f.path))!;
    const r = await cliOnTty('restore', ids.all!, '--to-node', 'pg2', '--roles', 'reuse', '--yes');
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toContain(`of ~${formatBytes(dump.bytes)}`);
    expect(Math.max(...percentages(r.output, `loading ${dump.path}`)), r.output).toBeGreaterThan(0);
    expect(r.output).toMatch(FINAL);
  }, 120_000);

  it('without a TTY, or with --json or --quiet on one: no progress line', async () => {
    const plain = await cli('restore', ids.small!, '--to-node', 'pg1', '--database', 'small_one', '--yes');
    expect(plain.exitCode, plain.stderr).toBe(0);
    expect(plain.stderr).toBe('');
    expect(`${plain.stdout}${plain.stderr}`).not.toMatch(/elapsed|\r/);
    const json = await cliOnTty('restore', ids.small!, '--to-node', 'pg1', '--database', 'small_two', '--yes', '--json');
    expect(json.exitCode, json.output).toBe(0);
    expect(json.output).not.toMatch(/elapsed|\d%/);
    expect(json.output).toContain('"status": "succeeded"');
    const quiet = await cliOnTty('restore', ids.small!, '--to-node', 'pg1', '--database', 'small_three', '--yes', '--quiet');
    expect(quiet.exitCode, quiet.output).toBe(0);
    expect(quiet.output).not.toMatch(/elapsed|\d%/);
    // A TTY without those flags does draw it for the same restore: the absence above is the flags'.
    const drawn = await cliOnTty('restore', ids.small!, '--to-node', 'pg1', '--database', 'small_four', '--yes');
    expect(drawn.exitCode, drawn.output).toBe(0);
    expect(drawn.output).toMatch(FINAL);
  }, 180_000);
});

describe('restore progress: a base backup into a directory', () => {
  it('the tars read by tar against their size, then recovery to the backup\'s end, then the elapsed time', async () => {
    const id = ids.phys!;
    const { directory, files } = await filesOf(id);
    const tars = files.filter((f) => /^(base|pg_wal)\.tar/.test(f.path)).map((f) => f.path).sort();
    const total = tars.reduce((sum, t) => sum + statSync(join(directory, t)).size, 0);
    const [facts] = await queryAt<{ stop: string }>(catalogConfig, `select method_facts->>'stopLsn' as stop from pgbackops.backup_runs where id = $1`, [id]);
    const dir = join(jobUserDir(join(work, 'restores'), postgresUid, postgresGid), 'copy');
    const port = await freePort();
    const r = await cliOnTty('restore', id, '--to-dir', dir, '--start', '--port', String(port), '--yes');
    started.push(dir);
    expect(r.exitCode, r.output).toBe(0);
    const step = `extracting ${tars.join(', ')}`;
    expect(r.output).toContain(`${step}: `);
    expect(r.output).toContain(`of ~${formatBytes(total)}`);
    expect(percentages(r.output, step).length, r.output).toBeGreaterThan(0);
    expect(r.output).toContain(`recovery to ${facts!.stop}`);
    // The WAL position shown never passes the target (recovery reads ahead of replay).
    for (const m of r.output.matchAll(/recovery to [0-9A-F/]+ at ([0-9A-F]+\/[0-9A-F]+)/g)) expect(parseLsn(m[1]!) <= parseLsn(facts!.stop), m[0]).toBe(true);
    expect(r.output).toMatch(FINAL);
    expect(r.output).toMatch(/Restore [0-9a-f-]+ succeeded.*running on port/);
  }, 180_000);
});

describe('restore progress: a pgBackRest backup into a directory', () => {
  it('the bytes pgBackRest has written into the directory against the size of the cluster it backed up', async () => {
    const [facts] = await queryAt<{ bytes: string }>(catalogConfig, `select method_facts->>'databaseBytes' as bytes from pgbackops.backup_runs where id = $1`, [ids.br!]);
    const dir = join(jobUserDir(join(work, 'restores-br'), postgresUid, postgresGid), 'copy');
    const r = await cliOnTty('restore', ids.br!, '--to-dir', dir, '--yes');
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toContain(`of ~${formatBytes(Number(facts!.bytes))}`);
    expect(Math.max(...percentages(r.output, 'pgbackrest restore')), r.output).toBeGreaterThan(0);
    expect(r.output).toMatch(FINAL);
  }, 180_000);
});
