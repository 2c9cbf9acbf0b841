// Several daemons against one catalog, /metrics and /status, and the builtin scheduler:
// - two daemons for two servers: one applies, the other converges through NOTIFY (no double apply);
// - /metrics is valid Prometheus text with the daemon and per-definition series; /status health;
// - a builtin server: the daemon fires jobs itself, catches up a run missed while down, counts an old miss.
import { mkdirSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backupDoc, nodeDoc, retentionDoc, serverDoc, tempDir, writeConfig } from '../../helpers/config.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { fetchDaemonStatus } from '../../../src/daemon/status-client.js';
import { WAIT, startDaemon, waitFor, type DaemonProcess } from './daemon-process.js';

let cluster: TestCluster;
let work: string;
let stateA: string;
let stateB: string;
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

function managed(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('# pgbackops:') && !l.includes('# pgbackops:@maintain:')).map((l) => l.split('# pgbackops:')[1]!.split(':')[0]!).sort();
  } catch {
    return [];
  }
}

async function daemon(args: string[]): Promise<DaemonProcess> {
  const d = await startDaemon([...args, '--catalog', catalogUrl]);
  daemons.push(d);
  return d;
}

beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(async () => {
  await cluster?.stop();
});
beforeEach(async () => {
  work = tempDir('daemon-fleet');
  stateA = join(work, 'state-a');
  stateB = join(work, 'state-b');
  catalogConfig = await cluster.createDatabase();
  catalogUrl = cluster.urlFor(catalogConfig);
});
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop('SIGKILL');
});

describe('two daemons, one catalog', () => {
  it('the daemon that sees the change applies; the other converges through NOTIFY', async () => {
    const cronA = join(work, 'cron-a');
    const cronB = join(work, 'cron-b');
    const live = join(work, 'live');
    const files = {
      'servers.yaml': serverDoc('backup01', cronA) + '---\n' + serverDoc('backup02', cronB),
      'nodes.yaml': nodeDoc('pg1', 'backup01') + '---\n' + nodeDoc('pg2', 'backup02'),
      'retention.yaml': retentionDoc,
      'backups.yaml': [backupDoc({ name: 'one-a', node: 'pg1' }), backupDoc({ name: 'two-a', node: 'pg2' })].join('---\n'),
    };
    writeConfig(live, files);
    // B follows a copy that never changes (as if its git fetch lagged): only NOTIFY can tell it about the edit.
    const frozen = join(work, 'frozen');
    cpSync(live, frozen, { recursive: true });

    const a = await daemon(['-c', live, '--state-dir', stateA, '--server', 'backup01']);
    await waitFor(() => managed(cronA).join() === 'one-a', WAIT, () => 'A converged');
    const b = await daemon(['-c', frozen, '--state-dir', stateB, '--server', 'backup02', '--interval', '3600']);
    await waitFor(() => managed(cronB).join() === 'two-a', WAIT, () => 'B converged');

    writeFileSync(join(live, 'backups.yaml'), [backupDoc({ name: 'one-a', node: 'pg1' }), backupDoc({ name: 'two-a', node: 'pg2' }), backupDoc({ name: 'two-b', node: 'pg2' })].join('---\n'));
    await waitFor(() => managed(cronB).join() === 'two-a,two-b', WAIT, () => `B converged through NOTIFY, has ${managed(cronB)}`);
    expect(b.logs.some((l) => l.msg === 'pass started' && (l.reasons as string[]).includes('notify'))).toBe(true);
    // B never changed the catalog itself; the catalog saw exactly two changing applies, both by A.
    const applies = await sql<{ n: number }>('select count(*)::int as n from pgbackops.apply_history where catalog_version_after <> catalog_version_before');
    expect(applies[0]!.n).toBe(2);
    expect(a.logs.filter((l) => l.msg === 'revision applied').length).toBe(2);
  }, 180_000);
});

describe('/metrics and /status', () => {
  it('serves Prometheus text with the daemon and per-definition series, and per-definition health', async () => {
    const cron = join(work, 'cron');
    const dir = join(work, 'config');
    writeConfig(dir, {
      'servers.yaml': serverDoc('backup01', cron),
      'nodes.yaml': nodeDoc('pg1', 'backup01'),
      'retention.yaml': retentionDoc,
      'backups.yaml': ['ok-job', 'failing-job', 'new-job', 'extra-1', 'extra-2'].map((name) => backupDoc({ name, schedule: '*/5 * * * *' })).join('---\n'),
    });
    const d = await daemon(['-c', dir, '--state-dir', stateA, '--server', 'backup01']);
    await waitFor(() => managed(cron).length === 5, WAIT);
    const insert = `insert into pgbackops.backup_runs (definition, node, backup_server, database, status, started_at, finished_at, bytes)
                    values ($1, 'pg1', 'backup01', 'app', $2, now() - interval '1 minute', now() - interval '30 seconds', $3)`;
    await sql(insert, ['ok-job', 'succeeded', 123456]);
    await sql(insert, ['failing-job', 'failed', null]);

    const res = await d.get('/metrics');
    expect(res.status).toBe(200);
    const lines = res.text.split('\n').filter((l) => l !== '');
    const sample = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/;
    for (const line of lines) {
      if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
      expect(line).toMatch(sample);
    }
    const names = new Set(lines.filter((l) => !l.startsWith('#')).map((l) => l.split(/[{ ]/)[0]));
    for (const name of [
      'pgbackops_daemon_passes_total', 'pgbackops_daemon_pass_duration_seconds_bucket', 'pgbackops_daemon_applied_revision_info',
      'pgbackops_daemon_last_apply_timestamp_seconds', 'pgbackops_daemon_drift_corrections_total', 'pgbackops_daemon_blocked_deletes',
      'pgbackops_backup_last_success_timestamp_seconds', 'pgbackops_backup_last_failure_timestamp_seconds',
      'pgbackops_backup_last_duration_seconds', 'pgbackops_backup_last_size_bytes',
    ]) expect(names, name).toContain(name);
    expect(res.text).toMatch(/pgbackops_backup_last_size_bytes\{definition="ok-job",database="app",server="backup01"\} 123456/);
    expect(res.text).toMatch(/pgbackops_daemon_passes_total\{result="applied",kind="full",server="backup01"\} 1/);

    const status = await fetchDaemonStatus(d.url);
    const health = Object.fromEntries((status.definitions as { name: string; state: string }[]).map((h) => [h.name, h.state]));
    expect(health['ok-job']).toBe('healthy');
    expect(health['failing-job']).toBe('failing');
    expect(health['new-job']).toBe('never_run');
    expect(status.revision).toMatch(/^[0-9a-f]+$/);
    expect(status.last_pass?.result).toMatch(/applied|unchanged|converged/);
    expect(status.ready).toBe(true);
    expect(status.summary).toMatchObject({ healthy: 1, failing: 1, never_run: 3 });

    // Removing a definition that has backups, without --prune: the delete is blocked, logged and exposed.
    writeFileSync(join(dir, 'backups.yaml'), ['failing-job', 'new-job', 'extra-1', 'extra-2'].map((name) => backupDoc({ name, schedule: '*/5 * * * *' })).join('---\n'));
    const blocked = await waitFor(async () => {
      const m = (await d.get('/metrics')).text;
      return /^pgbackops_daemon_blocked_deletes\{server="backup01"\} 1$/m.test(m) ? m : null;
    }, WAIT, () => 'blocked delete counted');
    expect(blocked).toMatch(/^pgbackops_daemon_blocked_deletes_total\{server="backup01"\} 1$/m);
    // The gauge is set during the pass, /status at its end: wait for the pass to finish.
    const after = await waitFor(async () => {
      const s = await fetchDaemonStatus(d.url);
      return s.last_full_pass?.blocked_deletes.length ? s : null;
    }, WAIT, () => 'blocked delete in /status');
    expect(after.last_full_pass?.blocked_deletes.join()).toContain('Backup ok-job');
    expect(d.logs.some((l) => l.msg.startsWith('deletes blocked'))).toBe(true);
    // Still scheduled: a blocked delete keeps the definition as it was.
    expect(managed(cron)).toContain('ok-job');
  }, 180_000);
});

describe('builtin scheduler', () => {
  it('fires jobs itself: a run missed while down is caught up once; an older miss is counted, not run', async () => {
    const dir = join(work, 'config');
    const yearlyDue = new Date(Date.now() - 60 * 86_400_000);
    // Once a year at midnight on that day (days past the 28th move to it: every month has one).
    const yearlyOn = (d: Date) => `0 0 ${Math.min(d.getUTCDate(), 28)} ${d.getUTCMonth() + 1} *`;
    writeConfig(dir, {
      'servers.yaml': `apiVersion: pgbackops/v1
kind: BackupServer
metadata: { name: backup01 }
spec:
  host: backup01.example.org
  backupRoot: ${join(work, 'backups')}
  scheduler: { type: builtin }
`,
      // Nothing listens on port 1: the job fails fast, but it runs and records its failure in the catalog.
      'nodes.yaml': `apiVersion: pgbackops/v1
kind: Node
metadata: { name: pg1 }
spec: { host: 127.0.0.1, port: 1, user: postgres, backupServer: backup01, status: running }
`,
      'retention.yaml': retentionDoc,
      'backups.yaml': [backupDoc({ name: 'recent', schedule: '*/5 * * * *' }), backupDoc({ name: 'yearly', schedule: yearlyOn(yearlyDue) })].join('---\n'),
    });
    // The daemon was last alive 90 days ago: 'recent' came due since (within the catch-up window), 'yearly'
    // came due 60 days ago (outside it). Both dates follow today's, so the test holds on any day of the year.
    mkdirSync(join(stateA, 'daemon'), { recursive: true });
    writeFileSync(join(stateA, 'daemon', 'backup01.heartbeat'), JSON.stringify({ server: 'backup01', aliveAt: new Date(Date.now() - 90 * 86_400_000).toISOString() }));
    const d = await daemon(['-c', dir, '--state-dir', stateA, '--server', 'backup01', '--catch-up-window', '1h']);
    const runs = await waitFor(async () => {
      const rows = await sql<{ definition: string; status: string }>('select definition, status from pgbackops.backup_runs');
      return rows.some((r) => r.status !== 'running') ? rows : null;
    }, WAIT, () => `the caught-up run recorded; daemon log:\n${d.stderr().slice(-3000)}`);
    expect(runs.map((r) => r.definition)).toEqual(['recent']);
    const status = await d.status();
    // The server's maintain entry is fired by the builtin scheduler too; it came due while the daemon was down.
    expect([...status.builtin_jobs].sort()).toEqual(['@maintain', 'recent', 'yearly']);
    expect(d.logs.some((l) => l.msg.startsWith('run missed while the daemon was down; catching up once') && l.definition === '@maintain')).toBe(true);
    await d.waitForLog((l) => l.msg === 'job started' && JSON.stringify(l.args) === '["maintain"]');
    const metrics = (await d.get('/metrics')).text;
    expect(metrics).toMatch(/pgbackops_daemon_missed_runs_total\{definition="yearly",server="backup01"\} 1/);
    expect(d.logs.some((l) => l.msg.startsWith('run missed while the daemon was down, outside the catch-up window') && l.definition === 'yearly')).toBe(true);
    // The heartbeat moved to now, so a restart would not catch up again.
    const beat = JSON.parse(readFileSync(join(stateA, 'daemon', 'backup01.heartbeat'), 'utf8')) as { aliveAt: string };
    expect(Date.now() - Date.parse(beat.aliveAt)).toBeLessThan(60_000);
    expect(await d.stop('SIGTERM')).toBe(0);
  }, 180_000);
});
