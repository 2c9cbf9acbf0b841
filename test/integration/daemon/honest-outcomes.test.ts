// What the daemon reports, as a child process against a real catalog and real cron.d files:
// - a new server's first pass writes its schedule for the first time: that is no drift (no warning, counter
//   0, no empty apply in the history); neither is a line added because another daemon changed the catalog;
//   a line removed by hand still is;
// - a revision applied with a held-back delete is reported as such (log, /status, /readyz, metrics), never as
//   plainly applied.
import { MAINTAIN_ENTRY } from '../../../src/core/schedule/entry.js';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backupDoc, basicConfig, nodeDoc, retentionDoc, serverDoc, tempDir, writeConfig } from '../../helpers/config.js';
import { pgbackops } from '../../helpers/cli.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { WAIT, startDaemon, waitFor, type DaemonProcess } from './daemon-process.js';

let cluster: TestCluster;
let work: string;
let catalogUrl: string;
let catalogConfig: pg.ClientConfig;
const daemons: DaemonProcess[] = [];

async function sql<R extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client(catalogConfig);
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** The definitions a cron.d file schedules (its server's maintain line left out). */
function managed(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('# pgbackops:')).map((l) => l.split('# pgbackops:')[1]!.split(':')[0]!)
      .filter((name) => name !== MAINTAIN_ENTRY).sort();
  } catch {
    return [];
  }
}

async function daemon(args: string[]): Promise<DaemonProcess> {
  const d = await startDaemon([...args, '--catalog', catalogUrl]);
  daemons.push(d);
  return d;
}

async function driftCounter(d: DaemonProcess): Promise<number> {
  const m = /^pgbackops_daemon_drift_corrections_total\{[^}]*\} (\d+)/m.exec((await d.get('/metrics')).text);
  return Number(m?.[1]);
}

async function applyHistoryRows(): Promise<number> {
  return (await sql<{ n: number }>('select count(*)::int as n from pgbackops.apply_history'))[0]!.n;
}

beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(async () => {
  await cluster?.stop();
});
beforeEach(async () => {
  work = tempDir('daemon-honest');
  catalogConfig = await cluster.createDatabase();
  catalogUrl = cluster.urlFor(catalogConfig);
});
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop('SIGKILL');
});

describe('a new server', () => {
  it('writes its first schedule without reporting drift; catalog changes are no drift either; a hand removal is', async () => {
    const cronA = join(work, 'cron-a');
    const cronB = join(work, 'cron-b');
    const dir = join(work, 'config');
    const twoServers = (backupsB: string[]) => ({
      'servers.yaml': serverDoc('backup01', cronA) + '---\n' + serverDoc('backup02', cronB),
      'nodes.yaml': nodeDoc('pg1', 'backup01') + '---\n' + nodeDoc('pg2', 'backup02'),
      'retention.yaml': retentionDoc,
      'backups.yaml': [backupDoc({ name: 'one-a', node: 'pg1' }), ...backupsB.map((name) => backupDoc({ name, node: 'pg2' }))].join('---\n'),
    });
    writeConfig(dir, twoServers(['two-a', 'two-b']));
    // Applied from backup01: the catalog holds backup02 and its definitions; backup02 never wrote a schedule.
    const applyA = (configDir: string) =>
      pgbackops(['apply', '--yes', '-c', configDir, '--state-dir', join(work, 'state-a'), '--catalog', catalogUrl, '--server', 'backup01']);
    expect((await applyA(dir)).exitCode).toBe(0);
    expect(await applyHistoryRows()).toBe(1);

    const b = await daemon(['-c', dir, '--state-dir', join(work, 'state-b'), '--server', 'backup02', '--interval', '3600']);
    await waitFor(async () => (await b.status()).last_full_pass, WAIT, () => 'first pass of backup02');
    expect(managed(cronB)).toEqual(['two-a', 'two-b']);
    expect(b.logs.filter((l) => l.msg === 'schedule drift restored')).toEqual([]);
    expect(await driftCounter(b)).toBe(0);
    const status = await b.status();
    expect(status.drift_corrections).toBe(0);
    expect(status.last_full_pass.drift_corrections).toBe(0);
    // The revision was in the catalog already: writing this server's schedule is no apply.
    expect(await applyHistoryRows()).toBe(1);

    // Another applier adds a definition for backup02: B converges through NOTIFY, and that is no drift.
    const live = join(work, 'live');
    cpSync(dir, live, { recursive: true });
    writeConfig(live, twoServers(['two-a', 'two-b', 'two-c']));
    expect((await applyA(live)).exitCode).toBe(0);
    await waitFor(() => managed(cronB).join() === 'two-a,two-b,two-c', WAIT, () => `B converged through NOTIFY, has ${managed(cronB)}`);
    await waitFor(async () => (await b.status()).last_pass?.kind === 'converge', WAIT);
    expect(b.logs.filter((l) => l.msg === 'schedule drift restored')).toEqual([]);
    expect(await driftCounter(b)).toBe(0);

    // A line removed by hand is drift, restored at the next converge (the next apply's NOTIFY), and counted.
    writeFileSync(cronB, readFileSync(cronB, 'utf8').split('\n').filter((l) => !l.includes('pgbackops:two-a:')).join('\n'));
    writeConfig(live, twoServers(['two-a', 'two-b', 'two-c', 'two-d']));
    expect((await applyA(live)).exitCode).toBe(0);
    await waitFor(() => managed(cronB).join() === 'two-a,two-b,two-c,two-d', WAIT, () => `B restored and converged, has ${managed(cronB)}`);
    await waitFor(async () => (await driftCounter(b)) === 1, WAIT, () => 'one drift correction counted');
    const warned = b.logs.filter((l) => l.msg === 'schedule drift restored');
    expect(warned).toHaveLength(1);
    expect(warned[0]!.actions).toEqual(['add two-a']);
  }, 180_000);
});

describe('a held-back delete', () => {
  it('is reported by the log, /status, /readyz and the metrics, not as a plain apply', async () => {
    const cron = join(work, 'cron');
    const dir = join(work, 'config');
    const defs = (names: string[]) => basicConfig(cron, names.map((name) => ({ name })));
    writeConfig(dir, defs(['keep', 'gone']));
    const d = await daemon(['-c', dir, '--state-dir', join(work, 'state'), '--server', 'backup01']);
    await waitFor(() => managed(cron).join() === 'gone,keep', WAIT, () => 'first convergence');
    await waitFor(async () => (await d.status()).last_full_pass?.result === 'applied', WAIT, () => 'first apply');
    await sql(`insert into pgbackops.backup_runs (definition, node, backup_server, database, status, started_at, finished_at)
               values ('gone', 'pg1', 'backup01', 'app', 'succeeded', now(), now())`);

    writeFileSync(join(dir, 'backups.yaml'), backupDoc({ name: 'keep' }));
    const status = await waitFor(async () => {
      const s = await d.status();
      return s.last_full_pass?.result === 'held-back' ? s : null;
    }, WAIT, () => 'the pass reported as held back');
    expect(status.held_back).toEqual([expect.stringContaining('delete Backup gone')]);
    expect(status.revision).toMatch(/^[0-9a-f]+$/);
    expect(managed(cron)).toEqual(['gone', 'keep']);
    const held = d.logs.filter((l) => l.msg === 'revision applied with 1 action(s) held back (needs --prune)');
    expect(held).toHaveLength(1);
    expect(d.logs.filter((l) => l.msg === 'revision applied')).toHaveLength(1); // the first, complete one only
    const ready = await d.get('/readyz');
    expect(ready.text).toMatch(/held back/);
    const shown = await pgbackops(['status', '--daemon', d.url]);
    expect(shown.stdout).toMatch(/applied revision [0-9a-f]+ \(partially: 1 action\(s\) held back, needs --prune\)/);
    expect(shown.stdout).toContain('held back: delete Backup gone');
    expect((await d.get('/metrics')).text).toMatch(/pgbackops_daemon_passes_total\{result="held-back",kind="full",server="backup01"\} 1/);
    const catalogState = await sql<{ last_applied_held_back: unknown[] }>('select last_applied_held_back from pgbackops.catalog_state');
    expect(catalogState[0]!.last_applied_held_back).toHaveLength(1);
  }, 180_000);
});
