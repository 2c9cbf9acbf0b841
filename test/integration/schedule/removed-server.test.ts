// Removing a BackupServer from the configuration empties its schedule, like removing a definition: on its
// own machine by `apply --server <removed>` (loop 1), and by the daemon there following the catalog after
// someone else applied the removal (loop 2). Its definition cache is emptied too, so a line still run by
// hand says the definition is not scheduled here instead of trying a node it no longer backs up.
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { applyConverged, pgbackops } from '../../helpers/cli.js';
import { backupDoc, nodeDoc, retentionDoc, serverDoc, tempDir, writeConfig } from '../../helpers/config.js';
import { startDaemon, WAIT, type DaemonProcess } from '../daemon/daemon-process.js';

let cluster: TestCluster;
let work: string;
let stateA: string;
let stateB: string;
let cronA: string;
let cronB: string;
let configDir: string;
let catalogUrl: string;
let catalogConfig: pg.ClientConfig;
const daemons: DaemonProcess[] = [];

beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(async () => {
  await cluster?.stop();
});
beforeEach(async () => {
  work = tempDir('removed-server');
  stateA = join(work, 'state-a'); // the machine of backup01
  stateB = join(work, 'state-b'); // the machine of backup02
  cronA = join(work, 'cron-a');
  cronB = join(work, 'cron-b');
  configDir = join(work, 'config');
  catalogConfig = await cluster.createDatabase();
  catalogUrl = cluster.urlFor(catalogConfig);
});
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop('SIGKILL');
});

function cliOn(state: string, server: string) {
  return (...args: string[]) => pgbackops([...args, '-c', configDir, '--state-dir', state, '--catalog', catalogUrl, '--server', server]);
}

/** Two servers; pg1 (d1, d2) on backup01, pg2 (e1) on backup02. Optionally backup01 removed and pg1 moved. */
function configure(removeBackup01: boolean, backup01Scheduler?: string): void {
  const server01 = backup01Scheduler
    ? serverDoc('backup01', cronA).replace(/scheduler: .*/, `scheduler: ${backup01Scheduler}`)
    : serverDoc('backup01', cronA);
  writeConfig(configDir, {
    'servers.yaml': (removeBackup01 ? '' : server01 + '---\n') + serverDoc('backup02', cronB),
    'nodes.yaml': nodeDoc('pg1', removeBackup01 ? 'backup02' : 'backup01') + '---\n' + nodeDoc('pg2', 'backup02'),
    'retention.yaml': retentionDoc,
    'backups.yaml': [backupDoc({ name: 'd1', node: 'pg1' }), backupDoc({ name: 'd2', node: 'pg1' }), backupDoc({ name: 'e1', node: 'pg2' })].join('---\n'),
  });
}

function managed(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('# pgbackops:')).map((l) => l.split('# pgbackops:')[1]!.split(':')[0]!).sort();
}

async function serversInCatalog(): Promise<string[]> {
  const client = new pg.Client(catalogConfig);
  await client.connect();
  try {
    return (await client.query(`select name from pgbackops.backup_servers order by name`)).rows.map((r) => r.name as string);
  } finally {
    await client.end();
  }
}

async function setUpBothMachines(backup01Scheduler?: string): Promise<void> {
  configure(false, backup01Scheduler);
  await applyConverged(cliOn(stateA, 'backup01'));
  await applyConverged(cliOn(stateB, 'backup02'));
  expect(managed(cronB)).toEqual(['@maintain', 'e1']);
}

async function expectNotScheduledHere(state: string, definition: string): Promise<void> {
  const run = await pgbackops(['run', '--state-dir', state, definition]);
  expect(run.exitCode).not.toBe(0);
  expect(run.stderr).toMatch(new RegExp(`definition "${definition}" is not scheduled on this server: backup server backup01 \\(removed from the catalog`));
}

describe('a BackupServer removed from the configuration', () => {
  it('apply --server <removed> on its machine empties its cron.d schedule and its definition cache', async () => {
    await setUpBothMachines();
    expect(managed(cronA)).toEqual(['@maintain', 'd1', 'd2']);

    configure(true);
    const apply = cliOn(stateA, 'backup01');
    const plan = await apply('plan');
    expect(plan.stdout, plan.stderr).toMatch(/- BackupServer backup01/);
    expect(plan.stdout).toMatch(/- d1 /);
    expect(plan.stdout).toMatch(/- @maintain /);
    await applyConverged(apply);
    expect(managed(cronA)).toEqual([]);
    expect(readFileSync(cronA, 'utf8')).toMatch(/^# Managed by pgbackops/); // still ours, with no job
    await expectNotScheduledHere(stateA, 'd1');

    // Applied again later on that machine (the server is gone from the catalog too): nothing to do.
    await applyConverged(apply);
    expect(managed(cronA)).toEqual([]);
    // backup02 takes pg1 over when its own machine applies.
    await applyConverged(cliOn(stateB, 'backup02'));
    expect(managed(cronB)).toEqual(['@maintain', 'd1', 'd2', 'e1']);
  }, 120_000);

  it('the daemon of the removed server empties its schedule through the catalog when another machine applied the removal', async () => {
    await setUpBothMachines();
    // backup01's daemon follows a copy that never changes: only the catalog (NOTIFY) tells it about the removal.
    const frozen = join(work, 'frozen');
    cpSync(configDir, frozen, { recursive: true });
    const d = await startDaemon(['-c', frozen, '--state-dir', stateA, '--server', 'backup01', '--interval', '3600', '--catalog', catalogUrl]);
    daemons.push(d);
    await d.waitForLog((l) => l.msg === 'pass finished');
    expect(managed(cronA)).toEqual(['@maintain', 'd1', 'd2']);

    configure(true);
    await applyConverged(cliOn(stateB, 'backup02'));
    expect(await serversInCatalog()).not.toContain('backup01');
    await d.waitForLog((l) => l.msg === 'schedule converged from the catalog', WAIT);
    expect(managed(cronA)).toEqual([]);
    await expectNotScheduledHere(stateA, 'd1');
    expect(d.logs.filter((l) => l.level >= 50)).toEqual([]);
  }, 180_000);

  const isRoot = process.getuid?.() === 0;
  it.skipIf(!isRoot)('apply --server <removed> takes its block out of a real crontab and leaves the user\'s lines', async () => {
    const user = `pgbo-rm-${randomBytes(4).toString('hex')}`;
    await execa('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user]);
    try {
      const own = '# mine\n0 5 1 1 * /usr/bin/true --mine\n';
      await execa('crontab', ['-u', user, '-'], { input: own });
      await setUpBothMachines(`{ type: crontab, user: ${user} }`);
      const listing = async () => (await execa('crontab', ['-u', user, '-l'], { reject: false })).stdout;
      expect(await listing()).toMatch(/pgbackops:d1:/);

      configure(true);
      await applyConverged(cliOn(stateA, 'backup01'));
      expect(`${await listing()}\n`).toBe(own);
      await expectNotScheduledHere(stateA, 'd2');
    } finally {
      await execa('crontab', ['-u', user, '-r'], { reject: false });
      await execa('userdel', [user], { reject: false });
    }
  }, 120_000);
});
