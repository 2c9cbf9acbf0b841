// The WAL archive's writer end to end: `pgbackops wal-receive` (the built CLI) supervises a real pg_receivewal
// streaming from a real PostgreSQL 15 node through a slot it creates; segments arrive in the archive, a
// killed pg_receivewal is restarted without a gap, and the receiver's reports reach the catalog and status.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ResultPromise } from 'execa';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { applyConverged, pgbackops, spawnPgbackops } from '../../helpers/cli.js';
import { clusterNodeSpecDoc, serverDoc, writeConfig } from '../../helpers/config.js';
import { waitFor } from '../daemon/daemon-process.js';
import { nodeQuery, switchSegment } from '../../helpers/wal-node.js';
import { missingSegments, parseWalFileName } from '../../../src/core/wal/wal-segment.js';
import { catalogConfig, cli, configDir, openWorkspace, stateDir, work } from '../../helpers/workspace.js';

let node: TestCluster;
let catalog: TestCluster;
let backupRoot: string;
const receivers: ResultPromise[] = [];

beforeAll(async () => {
  [node, catalog] = await Promise.all([startTestCluster(), startTestCluster()]);
  await openWorkspace('wal', catalog);
  backupRoot = join(work, 'backups');
});
afterEach(async () => {
  for (const r of receivers.splice(0)) {
    r.kill('SIGTERM');
    await r;
  }
});
afterAll(async () => {
  await Promise.all([node?.stop(), catalog?.stop()]);
});

function configure(walArchive: string | null): void {
  writeConfig(configDir, {
    'server.yaml': serverDoc('backup01', join(work, 'cron', 'pgbackops')).replace('/srv/pgbackops', backupRoot),
    'node.yaml': clusterNodeSpecDoc('pg1', node, walArchive === null ? '' : `walArchive: ${walArchive}`),
  });
}

const archive = () => join(backupRoot, 'pg1', '_wal');

async function receiverRow(): Promise<Record<string, unknown> | undefined> {
  const client = new pg.Client(catalogConfig);
  await client.connect();
  try {
    return (await client.query("select * from pgbackops.wal_receivers where node = 'pg1'")).rows[0] as Record<string, unknown> | undefined;
  } finally {
    await client.end();
  }
}

/** waitFor (the daemon tests' bounded poll), with what is awaited first. */
function until<T>(what: string, probe: () => Promise<T>): Promise<NonNullable<T>> {
  return waitFor(probe, 60_000, () => what);
}

function archiveFiles(): string[] {
  return existsSync(archive()) ? readdirSync(archive()) : [];
}

function startReceiver(): ResultPromise {
  const child = spawnPgbackops(['wal-receive', '--node', 'pg1', '--state-dir', stateDir], { PGBACKOPS_LOG_LEVEL: 'info' });
  receivers.push(child);
  return child;
}

describe('wal-receive', () => {
  it('creates the slot, streams into the archive, and a switched segment arrives complete', async () => {
    configure('{ enabled: true, slot: pgbo_archive }');
    await applyConverged(cli);
    startReceiver();
    const slot = await until('the slot', async () => (await nodeQuery(node, "select active_pid from pg_replication_slots where slot_name = 'pgbo_archive'"))[0]?.active_pid);
    expect(slot).toBeGreaterThan(0);
    await until('a .partial segment', async () => archiveFiles().some((f) => f.endsWith('.partial')));
    const closed = await switchSegment(node);
    await until(`segment ${closed}`, async () => archiveFiles().includes(closed));

    const row = await until('a running report', async () => {
      const r = await receiverRow();
      return r && r.state === 'running' && r.received_lsn !== null ? r : null;
    });
    expect(row).toMatchObject({ server: 'backup01', slot: 'pgbo_archive', state: 'running', slot_wal_status: 'reserved' });
    expect(Number(row.lag_bytes)).toBeGreaterThanOrEqual(0);

    // `check` judges a receiver-archived node by its slot, not by archive_command (which it does not need).
    const check = await cli('check', 'pg1', '--json');
    const archiveCheck = JSON.parse(check.stdout).nodes[0].methods.find((m: { method: string }) => m.method === 'basebackup')
      .checks.find((c: { name: string }) => c.name === 'wal archive');
    expect(archiveCheck).toMatchObject({ ok: true, detail: expect.stringMatching(/^slot pgbo_archive is streamed to the archive/) });
  });

  it('restarts a pg_receivewal killed with SIGKILL, and the archive has no gap', async () => {
    startReceiver();
    const first = await until('a running receiver', async () => {
      const r = await receiverRow();
      return r && r.state === 'running' && r.receiver_pid ? r : null;
    });
    const killed = Number(first.receiver_pid);
    await switchSegment(node);
    process.kill(killed, 'SIGKILL');
    // WAL written while no receiver runs is kept by the slot.
    const whileDown = [await switchSegment(node), await switchSegment(node)];
    const again = await until('a restarted receiver', async () => {
      const r = await receiverRow();
      return r && r.state === 'running' && r.receiver_pid && Number(r.receiver_pid) !== killed ? r : null;
    });
    expect(Number(again.restarts)).toBeGreaterThanOrEqual(1);
    expect(String(again.last_error)).toMatch(/SIGKILL/);
    for (const name of whileDown) await until(`segment ${name}`, async () => archiveFiles().includes(name));
    const segments = archiveFiles().map((f) => parseWalFileName(f)).filter((f) => f?.kind === 'segment');
    expect(segments.length).toBeGreaterThan(3);
    expect(missingSegments(segments.map((s) => s!.segno))).toEqual([]);
  });

  it('refuses a second receiver of the same node', async () => {
    startReceiver();
    await until('a running receiver', async () => (await receiverRow())?.state === 'running');
    const second = await pgbackops(['wal-receive', '--node', 'pg1', '--state-dir', stateDir]);
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toMatch(/E_WAL_RECEIVER_RUNNING/);
  });

  it('refuses a node without an archive', async () => {
    const r = await pgbackops(['wal-receive', '--node', 'nope', '--state-dir', stateDir]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/E_WAL_NOT_ARCHIVED/);
  });
});
