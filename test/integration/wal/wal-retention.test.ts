// WAL retention over real base backups, as a user meets it: an archive filled by a real pg_receivewal
// (`wal-receive`), a Backup `method: basebackup` whose retention keeps the 2 newest, real `pgbackops run`s with
// rows committed and segments switched between them, and the real retention pass (`prune --dry-run` to list,
// `maintain` to expire, as the schedule runs it). The expired backup goes with exactly the WAL only it needed,
// never the .partial; then each kept backup is restored after the prune, to its own end and to the latest
// commit (the archive is gapless from every kept backup to its end), started and queried. Last, prune keeps
// everything while a kept base backup cannot be placed.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/adapters/catalog/catalog.js';
import type { RunRecord } from '../../../src/core/runs/run-record.js';
import { missingSegments, parseWalFileName } from '../../../src/core/wal/wal-segment.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { applyConverged, pgbackops, spawnPgbackops } from '../../helpers/cli.js';
import { backupSpecDoc, clusterNodeSpecDoc, jobUserDir, serverDoc, tempDir, writeConfig } from '../../helpers/config.js';
import { queryAt } from '../../helpers/pg-tools.js';
import { freePort } from '../../helpers/free-port.js';
import { nodeQuery, switchSegment } from '../../helpers/wal-node.js';
import { waitFor } from '../daemon/daemon-process.js';

let node: TestCluster;
let catalogCluster: TestCluster;
let catalogConfig: pg.ClientConfig;
let catalog: Catalog;
let work: string;
let configDir: string;
let stateDir: string;
let backupRoot: string;
let catalogUrl: string;
let receiver: ResultPromise;
/** Where restores go: a directory the job user (postgres) may create their directories in. */
let restores: string;
const started: string[] = [];
const PG_CTL = '/usr/lib/postgresql/15/bin/pg_ctl';

beforeAll(async () => {
  [node, catalogCluster] = await Promise.all([startTestCluster(), startTestCluster()]);
  work = tempDir('wal-retention');
  configDir = join(work, 'config');
  stateDir = join(work, 'state');
  backupRoot = join(work, 'backups');
  catalogConfig = await catalogCluster.createDatabase();
  catalogUrl = catalogCluster.urlFor(catalogConfig);
  writeConfig(configDir, {
    'server.yaml': serverDoc('backup01', join(work, 'cron', 'pgbackops'), backupRoot),
    'node.yaml': clusterNodeSpecDoc('pg1', node, 'walArchive: { enabled: true, slot: pgbo_ret }'),
    'retention.yaml': 'apiVersion: pgbackops/v1\nkind: Retention\nmetadata: { name: two }\nspec: { keepLast: 2 }\n',
    'backup.yaml': backupSpecDoc('phys', 'method: basebackup\ncompression: { method: gzip, level: 1 }', 'two'),
  });
  await applyConverged(cli);
  const ids = await Promise.all([execa('id', ['-u', 'postgres']), execa('id', ['-g', 'postgres'])]);
  restores = jobUserDir(join(work, 'restores'), Number(ids[0].stdout), Number(ids[1].stdout));
  catalog = await Catalog.open(catalogConfig);
  await nodeQuery(node, 'create table t (n int primary key)');
  receiver = spawnPgbackops(['wal-receive', '--node', 'pg1', '--state-dir', stateDir]);
  await waitFor(() => archiveFiles().some((f) => f.endsWith('.partial')), 60_000, () => 'pg_receivewal streaming');
}, 120_000);
afterAll(async () => {
  for (const dir of started) await stopRestored(dir);
  receiver?.kill('SIGTERM');
  await receiver;
  await catalog?.close();
  await Promise.all([node?.stop(), catalogCluster?.stop()]);
});

function cli(...args: string[]) {
  return pgbackops([...args, '-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl]);
}

const archive = () => join(backupRoot, 'pg1', '_wal');
function archiveFiles(): string[] {
  return existsSync(archive()) ? readdirSync(archive()).sort() : [];
}
function completeSegments(): string[] {
  return archiveFiles().filter((f) => { const w = parseWalFileName(f); return w?.kind === 'segment' && !w.partial; });
}

function segnoOf(name: string): bigint {
  const w = parseWalFileName(name);
  if (w?.kind !== 'segment') throw new Error(`not a segment: ${name}`);
  return w.segno;
}

interface WalPruneJson { removed: string[]; keepFrom: string | null; note: string }
interface PruneJson { decisions: Array<{ id: string; keep: boolean }>; expired: number; wal_archives: WalPruneJson[] }

/** The retention pass of backup01 (`prune`, or `maintain` as the schedule runs it) as JSON: its prune part. */
async function retentionPass(command: 'prune' | 'maintain', ...extra: string[]): Promise<PruneJson> {
  const r = await pgbackops([command, '--json', '--state-dir', stateDir, '--server', 'backup01', ...extra]);
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout).servers[0].prune;
}
async function walPrune(...extra: string[]): Promise<WalPruneJson> {
  return (await retentionPass('prune', ...extra)).wal_archives[0]!;
}

/** Closes segments and waits until the archive has them complete. */
async function closeSegments(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const closed = await switchSegment(node);
    await waitFor(() => archiveFiles().includes(closed), 60_000, () => `segment ${closed} in the archive`);
  }
}

interface TakenBackup { id: string; directory: string; startWalSegment: string; rows: number }

/** Commits rows up to `rows` in t, then a real `pgbackops run` of phys: the backup it recorded. */
async function backupWithRows(rows: number): Promise<TakenBackup> {
  await nodeQuery(node, 'insert into t select n from generate_series(1, $1) n on conflict do nothing', [rows]);
  const r = await pgbackops(['run', '--state-dir', stateDir, 'phys']);
  expect(r.exitCode, r.stderr + r.stdout).toBe(0);
  const [row] = await queryAt<{ id: string; directory: string; start: string }>(catalogConfig,
    `select id::text, directory, method_facts->>'startWal' as start from pgbackops.backup_runs where definition = 'phys' and status = 'succeeded' order by started_at desc limit 1`);
  return { id: row!.id, directory: row!.directory, startWalSegment: row!.start, rows };
}

async function stopRestored(dir: string): Promise<void> {
  await execa('runuser', ['-u', 'postgres', '--', PG_CTL, 'stop', '-D', dir, '-m', 'immediate', '-w'], { reject: false, cwd: '/' });
}

/**
 * `pgbackops restore <id> --to-dir D [target] --start`: the restored cluster's rows of t (count and highest),
 * read while it runs; then it is stopped and removed.
 */
async function restoredRows(id: string, name: string, target: string[]): Promise<{ recoveryTarget: string; rows: { n: number; top: number | null } }> {
  const dir = join(restores, name);
  const port = await freePort();
  const r = await cli('restore', id, '--to-dir', dir, ...target, '--start', '--port', String(port), '--yes', '--json');
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  started.push(dir);
  try {
    const [rows] = await queryAt<{ n: number; top: number | null }>({ host: dir, port, user: String(node.config.user), database: 'postgres' },
      'select count(*)::int as n, max(n) as top from t');
    return { recoveryTarget: JSON.parse(r.stdout).restore.recovery_target, rows: rows! };
  } finally {
    await stopRestored(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('WAL retention', () => {
  it('over real base backups: keeping 2 of 3 removes exactly the WAL only the expired one needed; after it, each kept backup restores to its end and to the latest commit', async () => {
    await closeSegments(2);
    // No base backup yet: nothing is removed.
    expect(await walPrune()).toMatchObject({ removed: [], keepFrom: null, note: expect.stringMatching(/no kept base backup/) });

    const b1 = await backupWithRows(10);
    await closeSegments(2);
    // The WAL from before the first backup goes; from its start segment on, everything stays.
    const beforeB1 = completeSegments().filter((f) => f < b1.startWalSegment);
    expect(beforeB1.length).toBeGreaterThan(0);
    expect(await walPrune()).toMatchObject({ removed: beforeB1, keepFrom: b1.startWalSegment });
    expect(completeSegments()[0]).toBe(b1.startWalSegment);

    const b2 = await backupWithRows(20);
    await closeSegments(2);
    const b3 = await backupWithRows(30);
    await closeSegments(1);
    await waitFor(() => completeSegments().includes(b3.startWalSegment), 60_000, () => 'the last backup\'s start segment');
    // Rows committed after the last backup and after the last switch: they are only in the .partial segment.
    await nodeQuery(node, 'insert into t select generate_series(31, 40)');
    await waitFor(() => archiveFiles().some((f) => f.endsWith('.partial')), 60_000, () => 'the .partial of the segment being written');
    const partial = archiveFiles().find((f) => f.endsWith('.partial'))!;

    const before = completeSegments();
    const onlyB1Needs = before.filter((f) => f < b2.startWalSegment);
    expect(onlyB1Needs[0]).toBe(b1.startWalSegment);

    // --dry-run: b1 would expire, and with it the WAL only it needs; nothing changes.
    const expiring = (p: PruneJson) => p.decisions.filter((d) => !d.keep).map((d) => d.id);
    const dry = await retentionPass('prune', '--dry-run');
    expect(expiring(dry)).toEqual([b1.id]);
    expect(dry).toMatchObject({ expired: 0, wal_archives: [{ removed: onlyB1Needs, keepFrom: b2.startWalSegment }] });
    expect(completeSegments()).toEqual(before);
    expect(existsSync(b1.directory)).toBe(true);

    // maintain, as the schedule runs it: b1 expires (files and row), then its WAL; the rest is untouched.
    const pass = await retentionPass('maintain');
    expect(expiring(pass)).toEqual([b1.id]);
    expect(pass).toMatchObject({ expired: 1, wal_archives: [{ removed: onlyB1Needs, keepFrom: b2.startWalSegment }] });
    expect(existsSync(b1.directory)).toBe(false);
    expect(await queryAt(catalogConfig, 'select 1 from pgbackops.backup_runs where id = $1', [b1.id])).toEqual([]);
    const left = completeSegments();
    expect(left).toEqual(before.filter((f) => f >= b2.startWalSegment));
    expect(left[0]).toBe(b2.startWalSegment);
    expect(left).toContain(b3.startWalSegment);
    expect(missingSegments(left.map(segnoOf))).toEqual([]);
    expect(archiveFiles()).toContain(partial);

    // Each kept backup, after the prune: to its own end it holds exactly the rows committed before it; to the
    // latest point, through every segment left and the .partial, every row committed.
    // The four restores are independent (each its own directory and port): side by side.
    const restored = await Promise.all([b2, b3].flatMap((kept) => [
      restoredRows(kept.id, `end-${kept.rows}`, []), restoredRows(kept.id, `latest-${kept.rows}`, ['--latest']),
    ]));
    expect(restored).toEqual([b2, b3].flatMap((kept) => [
      { recoveryTarget: 'end', rows: { n: kept.rows, top: kept.rows } }, { recoveryTarget: 'latest', rows: { n: 40, top: 40 } },
    ]));
  }, 300_000);

  it('keeps everything while a kept base backup cannot be placed (a run still going records no start yet)', async () => {
    // A run in the state a real one is in while pg_basebackup copies: `running`, no WAL facts recorded yet.
    const running = randomUUID();
    const now = new Date().toISOString();
    await catalog.runs.upsertRun({
      id: running, definition: 'phys', node: 'pg1', backupServer: 'backup01', database: null, status: 'running', startedAt: now, finishedAt: null,
      directory: null, bytes: null, files: null, serverVersion: '15', failureReason: null, failureDetail: null, log: null, retention: null, timezone: 'UTC',
      method: 'basebackup', backupType: null, format: null, pgDumpVersion: null, methodFacts: null,
    } as unknown as RunRecord);
    await closeSegments(1);
    const files = completeSegments();
    const r = await walPrune();
    expect(r).toMatchObject({ removed: [], keepFrom: null, note: expect.stringMatching(new RegExp(`${running} has no start segment`)) });
    expect(completeSegments()).toEqual(files);
  });
});
