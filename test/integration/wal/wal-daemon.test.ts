// The daemon supervises the WAL receivers of its server's archived nodes: it starts one per archive, shows
// them in /status and /metrics, stops them with itself (the archive then reads Failing in status and CRITICAL
// in check-status), holds back the removal of an archive without --allow-slot-drop, and drops the slot once the
// removal is applied with it.
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { pgbackopsAsJobUser } from '../../helpers/cli.js';
import { clusterNodeSpecDoc, serverDoc, writeConfig } from '../../helpers/config.js';
import { startDaemon, waitFor, type DaemonProcess } from '../daemon/daemon-process.js';
import { catalogConfig, catalogUrl, cli, configDir, openWorkspace, stateDir, work } from '../../helpers/workspace.js';

let node: TestCluster;
let catalog: TestCluster;
let backupRoot: string;
const daemons: DaemonProcess[] = [];

beforeAll(async () => {
  [node, catalog] = await Promise.all([startTestCluster(), startTestCluster()]);
  await openWorkspace('wal-daemon', catalog);
  backupRoot = join(work, 'backups');
});
afterAll(async () => {
  for (const d of daemons) await d.stop();
  await Promise.all([node?.stop(), catalog?.stop()]);
});

function configure(archived: boolean): void {
  writeConfig(configDir, {
    'server.yaml': serverDoc('backup01', join(work, 'cron', 'pgbackops')).replace('/srv/pgbackops', backupRoot),
    'node.yaml': clusterNodeSpecDoc('pg1', node, archived ? 'walArchive: { enabled: true, slot: pgbo_daemon, maxSlotRetainedBytes: 1GB }' : ''),
    // A base backup starts the node's restorable window.
    'backup.yaml': `apiVersion: pgbackops/v1
kind: Backup
metadata: { name: phys }
spec: { node: pg1, method: basebackup, schedule: "41 1 * * *", retention: { keepLast: 2 } }
`,
  });
}

async function daemon(extra: string[] = []): Promise<DaemonProcess> {
  const d = await startDaemon(['-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl, '--server', 'backup01', ...extra]);
  daemons.push(d);
  return d;
}

async function slot(): Promise<{ active_pid: number | null } | undefined> {
  const client = new pg.Client(node.adminConfig);
  await client.connect();
  try {
    return (await client.query("select active_pid from pg_replication_slots where slot_name = 'pgbo_daemon'")).rows[0] as { active_pid: number | null } | undefined;
  } finally {
    await client.end();
  }
}

async function reportRows(): Promise<Array<Record<string, unknown>>> {
  const client = new pg.Client(catalogConfig);
  await client.connect();
  try {
    return (await client.query('select * from pgbackops.wal_receivers')).rows as Array<Record<string, unknown>>;
  } finally {
    await client.end();
  }
}

describe('the daemon and WAL archives', () => {
  it('runs the receiver, reports it, and a stopped receiver is Failing and CRITICAL', async () => {
    configure(true);
    const d = await daemon();
    await waitFor(async () => (await slot())?.active_pid, 60_000, () => 'pg_receivewal streaming from the slot');
    const status = await waitFor(async () => {
      const s = await d.status();
      return s.wal_archives?.[0]?.state === 'running' && s.wal_archives[0].received_lsn ? s : null;
    }, 60_000, () => 'the archive running in /status');
    expect(status.wal_archives[0]).toMatchObject({ node: 'pg1', slot: 'pgbo_daemon', health: 'OK', reasons: [] });
    const metrics = (await d.get('/metrics')).text;
    expect(metrics).toMatch(/pgbackops_wal_archive_receiver_up\{node="pg1",server="backup01"\} 1/);
    expect(metrics).toMatch(/pgbackops_wal_archive_lag_bytes\{node="pg1",server="backup01"\} \d+/);
    expect(metrics).toMatch(/pgbackops_wal_archive_slot_retained_bytes\{node="pg1",server="backup01"\} \d+/);

    // A base backup, then a commit streamed into the archive: the daemon shows the node's restorable window.
    expect(status.restorable_windows).toEqual([expect.objectContaining({ node: 'pg1', from: null, problem: expect.stringMatching(/no kept base backup/) })]);
    const run = await pgbackopsAsJobUser(['run', '--state-dir', stateDir, 'phys']);
    expect(run.exitCode, run.stderr).toBe(0);
    const client = new pg.Client(node.adminConfig);
    await client.connect();
    await client.query('create table if not exists windowed (x int)');
    await client.end();
    const windowed = await waitFor(async () => {
      const w = (await d.status()).restorable_windows?.[0];
      return w?.to_source === 'last-transaction' ? w : null;
    }, 60_000, () => 'a restorable window in /status');
    expect(windowed).toMatchObject({ node: 'pg1', timeline: 1, partial: true, problem: null });
    const windowMetrics = (await d.get('/metrics')).text;
    const start = /pgbackops_restorable_window_start_seconds\{node="pg1",server="backup01"\} (\S+)/.exec(windowMetrics);
    const end = /pgbackops_restorable_window_end_seconds\{node="pg1",server="backup01"\} (\S+)/.exec(windowMetrics);
    expect(Number(start?.[1])).toBe(Date.parse(windowed.from) / 1000);
    expect(Number(end?.[1])).toBeGreaterThanOrEqual(Date.parse(windowed.to) / 1000);

    const ok = await cli('status', '--no-nodes', '--json');
    expect(JSON.parse(ok.stdout).wal_archives[0]).toMatchObject({ node: 'pg1', state: 'running', health: 'OK' });
    expect((await cli('check-status', '--node', 'pg1')).exitCode).toBe(0);

    // The daemon stops its receivers with itself; the archive is then reported, not silently stale.
    expect(await d.stop()).toBe(0);
    await waitFor(async () => (await slot())?.active_pid === null, 60_000, () => 'the slot released');
    const failing = await cli('status', '--no-nodes');
    expect(failing.stdout).toMatch(/pg1: Failing: the WAL receiver is stopped/);
    const check = await cli('check-status', '--node', 'pg1');
    expect(check.exitCode).toBe(2);
    expect(check.stdout).toMatch(/^PGBACKOPS CRITICAL - .*WAL archive of pg1 is failing: the WAL receiver is stopped/);
  }, 300_000);

  it('holds back removing the archive without --allow-slot-drop, and drops the slot with it', async () => {
    configure(false);
    const plan = await cli('plan', '--detailed-exitcode');
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toMatch(/Node pg1: update blocked: drops replication slot pgbo_daemon on node pg1 .*needs --allow-slot-drop/);

    const held = await daemon();
    await held.waitForLog((l) => /held back \(needs --allow-slot-drop\)/.test(l.msg));
    // Still archived: the receiver runs and the slot stays.
    await waitFor(async () => (await slot())?.active_pid, 60_000, () => 'pg_receivewal streaming again');
    await held.stop();

    const d = await daemon(['--allow-slot-drop']);
    await waitFor(async () => (await slot()) === undefined, 60_000, () => 'the slot dropped');
    await waitFor(async () => (await reportRows()).length === 0, 60_000, () => 'the report forgotten');
    expect((await d.status()).wal_archives).toEqual([]);
    const after = await cli('plan', '--detailed-exitcode', '--allow-slot-drop');
    expect(after.exitCode, after.stdout).toBe(0);
  });
});
