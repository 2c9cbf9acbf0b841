// WAL retention over real base backups: an archive filled by a real pg_receivewal (`wal-receive`), base backups
// taken by the real pg_basebackup and recorded through the catalog's run store as the basebackup method records
// them (method 'basebackup', facts startLsn / timeline / startWalSegment); prune keeps exactly the WAL the kept
// backups need, lists it first with --dry-run, never touches the .partial, and keeps everything it cannot place.
import { existsSync, readdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultPromise } from 'execa';
import { Catalog } from '../../../src/adapters/catalog/catalog.js';
import type { RunRecord } from '../../../src/core/runs/run-record.js';
import { missingSegments, parseWalFileName } from '../../../src/core/wal/wal-segment.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { applyConverged, pgbackops, spawnPgbackops } from '../../helpers/cli.js';
import { serverDoc, tempDir, writeConfig } from '../../helpers/config.js';
import { nodeQuery, switchSegment, takeBaseBackup, type BaseBackupStart } from '../../helpers/wal-node.js';
import { waitFor } from '../daemon/daemon-process.js';

let node: TestCluster;
let catalogCluster: TestCluster;
let catalog: Catalog;
let work: string;
let configDir: string;
let stateDir: string;
let backupRoot: string;
let catalogUrl: string;
let receiver: ResultPromise;

beforeAll(async () => {
  [node, catalogCluster] = await Promise.all([startTestCluster(), startTestCluster()]);
  work = tempDir('wal-retention');
  configDir = join(work, 'config');
  stateDir = join(work, 'state');
  backupRoot = join(work, 'backups');
  const catalogConfig: pg.ClientConfig = await catalogCluster.createDatabase();
  catalogUrl = catalogCluster.urlFor(catalogConfig);
  writeConfig(configDir, {
    'server.yaml': serverDoc('backup01', join(work, 'cron', 'pgbackops')).replace('/srv/pgbackops', backupRoot),
    'node.yaml': `apiVersion: pgbackops/v1
kind: Node
metadata: { name: pg1 }
spec: { host: ${node.socketDir}, port: ${node.port}, user: ${String(node.config.user)}, backupServer: backup01, walArchive: { enabled: true, slot: pgbo_ret } }
`,
  });
  await applyConverged(cli);
  catalog = await Catalog.open(catalogConfig);
  receiver = spawnPgbackops(['wal-receive', '--node', 'pg1', '--state-dir', stateDir]);
  await waitFor(() => archiveFiles().some((f) => f.endsWith('.partial')), 60_000, () => 'pg_receivewal streaming');
});
afterAll(async () => {
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

/** Records a base backup run as the basebackup method does (its RunRecord member lands with that method). */
async function record(start: BaseBackupStart | null, status: 'succeeded' | 'running' = 'succeeded'): Promise<string> {
  const id = randomUUID();
  const now = new Date().toISOString();
  await catalog.runs.upsertRun({
    id, definition: 'pg1-base', node: 'pg1', backupServer: 'backup01', database: null, status, startedAt: now, finishedAt: status === 'running' ? null : now,
    directory: null, bytes: null, files: null, serverVersion: '15', failureReason: null, failureDetail: null, log: null, retention: null, timezone: 'UTC',
    method: 'basebackup', backupType: null, format: null, pgDumpVersion: null, methodFacts: start,
  } as unknown as RunRecord);
  return id;
}


async function pruneJson(...extra: string[]): Promise<{ removed: string[]; keepFrom: string | null; note: string }> {
  const r = await pgbackops(['prune', '--json', '--state-dir', stateDir, '--server', 'backup01', ...extra]);
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout).servers[0].prune.wal_archives[0];
}

/** Closes segments and waits until the archive has them complete. */
async function closeSegments(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const closed = await switchSegment(node);
    await waitFor(() => archiveFiles().includes(closed), 60_000, () => `segment ${closed} in the archive`);
  }
}

describe('WAL retention', () => {
  it('keeps exactly the WAL the kept base backups need', async () => {
    await closeSegments(2);
    // No base backup yet: nothing is removed.
    expect(await pruneJson()).toMatchObject({ removed: [], keepFrom: null, note: expect.stringMatching(/no kept base backup/) });

    const b1 = await takeBaseBackup(node);
    const b1Id = await record(b1);
    await closeSegments(2);
    const b2 = await takeBaseBackup(node);
    await record(b2);
    await closeSegments(2);
    const b3 = await takeBaseBackup(node);
    await record(b3);
    await closeSegments(1);
    await waitFor(() => completeSegments().includes(b3.startWalSegment), 60_000, () => 'the last backup\'s start segment');

    const before = completeSegments();
    const older = (start: BaseBackupStart) => before.filter((f) => f < start.startWalSegment);
    expect(older(b1).length).toBeGreaterThan(0);

    // --dry-run lists without removing.
    const dry = await pruneJson('--dry-run');
    expect(dry).toMatchObject({ removed: older(b1), keepFrom: b1.startWalSegment });
    expect(completeSegments()).toEqual(before);

    expect(await pruneJson()).toMatchObject({ removed: older(b1), keepFrom: b1.startWalSegment });
    expect(completeSegments()).toEqual(before.filter((f) => f >= b1.startWalSegment));

    // Retention removed the oldest backup: the WAL only it needed goes, the rest stays gapless from b2 on.
    await catalog.runs.markExpiring([b1Id]);
    await catalog.runs.deleteExpired([b1Id]);
    const second = await pruneJson();
    expect(second.removed).toEqual(before.filter((f) => f >= b1.startWalSegment && f < b2.startWalSegment));
    const left = completeSegments();
    expect(left[0]).toBe(b2.startWalSegment);
    expect(left).toContain(b3.startWalSegment);
    expect(missingSegments(left.map(segnoOf))).toEqual([]);

    // The segment being written is never removed: once WAL goes into it, pg_receivewal has its .partial (right
    // after a switch, with nothing written yet, it may not), and a prune leaves it where it is.
    await nodeQuery(node, 'insert into churn select generate_series(1, 1000)');
    await waitFor(() => archiveFiles().some((f) => f.endsWith('.partial')), 60_000, () => 'the .partial of the segment being written');
    const partial = archiveFiles().find((f) => f.endsWith('.partial'))!;
    await pruneJson();
    expect(archiveFiles()).toContain(partial);
  });

  it('keeps everything while a kept base backup cannot be placed (a run still going records no start yet)', async () => {
    const running = await record(null, 'running');
    await closeSegments(1);
    const files = completeSegments();
    const r = await pruneJson();
    expect(r).toMatchObject({ removed: [], keepFrom: null, note: expect.stringMatching(new RegExp(`${running} has no start segment`)) });
    expect(completeSegments()).toEqual(files);
  });
});
