// The status page reads each definition's latest runs through indexes and its timeline as a range of one
// (migration 027, docs/status-page.md); `pgbackops status` reads the newest runs of each definition and sums
// them up in its own code. On a catalog with history older than the 30-day window, several runs and databases
// per definition, failed, abandoned, skipped, expiring and running runs, late and never-run definitions and
// runs of a deleted definition, the page must say what `status --json` says, and its per-definition figures
// must equal those of the grouped query over every run that /status and check-status use.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRunStats } from '../../../src/adapters/catalog/run-stats.js';
import { healthStateId, type HealthState } from '../../../src/core/reports/definition-health.js';
import { decodeTimeline } from '../../../src/core/reports/run-timeline.js';
import type { StatusPageData } from '../../../src/core/reports/status-page-model.js';
import { type CliResult, applyConverged, pgbackops } from '../../helpers/cli.js';
import { backupDoc, nodeDoc, retentionDoc, serverDoc, tempDir, writeConfig } from '../../helpers/config.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';

const NOW = '2026-11-20T12:00:00Z';
const now = Date.parse(NOW);
const DAY = 86_400_000;
/** Daily at 02:00 UTC: its last expected run is 10 hours before NOW. */
const DAILY = '0 2 * * *';

let cluster: TestCluster;
let catalogConfig: pg.ClientConfig;
let catalogUrl: string;
let work: string;

function cli(...args: string[]): Promise<CliResult> {
  return pgbackops([...args, '-c', join(work, 'config'), '--state-dir', join(work, 'state'), '--catalog', catalogUrl, '--server', 'backup01']);
}

async function withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(catalogConfig);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

interface Run { definition: string; database?: string; status: string; startedAt: number; seconds?: number | null; bytes?: number | null; reason?: string }

/** A nightly run at 02:00 UTC `days` before NOW's day. */
const nightly = (days: number) => Date.parse('2026-11-20T02:00:00Z') - days * DAY;

function runs(): Run[] {
  const out: Run[] = [];
  // 45 nights of two databases: 30 in the window, 15 older; sizes growing.
  for (let d = 44; d >= 0; d--) {
    for (const database of ['app', 'audit']) out.push({ definition: 'history-job', database, status: 'succeeded', startedAt: nightly(d) + (database === 'audit' ? 60_000 : 0), seconds: 100 + d, bytes: 1_000_000 + (44 - d) * 10_000 + (database === 'audit' ? 7 : 0) });
  }
  // Succeeded for ten nights, failed last night, and one running now.
  for (let d = 10; d >= 1; d--) out.push({ definition: 'failing-job', status: 'succeeded', startedAt: nightly(d), seconds: 30, bytes: 500_000 + d });
  out.push({ definition: 'failing-job', status: 'failed', startedAt: nightly(0), seconds: 4, bytes: null, reason: 'connection' });
  out.push({ definition: 'failing-job', status: 'running', startedAt: now - 600_000, seconds: null, bytes: null });
  // Its last success three nights ago: late.
  for (let d = 12; d >= 3; d--) out.push({ definition: 'late-job', status: 'succeeded', startedAt: nightly(d), seconds: 20, bytes: 700_000 });
  // Only history older than the window: late, an empty timeline, its last success still known.
  for (let d = 40; d >= 35; d--) out.push({ definition: 'old-job', status: 'succeeded', startedAt: nightly(d), seconds: 50, bytes: 900_000 + d });
  // A failure, an abandoned run and an expiring backup behind, then a success; a skipped run after it.
  out.push({ definition: 'recovered-job', status: 'expiring', startedAt: nightly(5), seconds: 60, bytes: 400_000 });
  out.push({ definition: 'recovered-job', status: 'abandoned', startedAt: nightly(2), seconds: 3600, bytes: null, reason: 'abandoned' });
  out.push({ definition: 'recovered-job', status: 'failed', startedAt: nightly(1), seconds: 2, bytes: null, reason: 'pg_dump' });
  out.push({ definition: 'recovered-job', status: 'succeeded', startedAt: nightly(0), seconds: 61, bytes: 410_000 });
  out.push({ definition: 'recovered-job', status: 'skipped', startedAt: nightly(0) + 3_600_000, seconds: 0, bytes: null });
  // Its newest success recorded no size: the size shown is the one before.
  out.push({ definition: 'unsized-job', status: 'succeeded', startedAt: nightly(1), seconds: 10, bytes: 123_456 });
  out.push({ definition: 'unsized-job', status: 'succeeded', startedAt: nightly(0), seconds: 11, bytes: null });
  // A long run that started first and finished last: the latest success is the one that finished last.
  out.push({ definition: 'overlap-job', status: 'succeeded', startedAt: nightly(0), seconds: 7200, bytes: 2_000_000 });
  out.push({ definition: 'overlap-job', status: 'succeeded', startedAt: nightly(0) + 600_000, seconds: 60, bytes: 1_000_000 });
  // Disabled, with history.
  for (let d = 3; d >= 0; d--) out.push({ definition: 'off-job', status: 'succeeded', startedAt: nightly(d), seconds: 5, bytes: 1000 });
  // Runs of a definition that was deleted since: history, on no page.
  out.push({ definition: 'deleted-job', status: 'failed', startedAt: nightly(0), seconds: 1, bytes: null, reason: 'connection' });
  return out;
}

beforeAll(async () => {
  cluster = await startTestCluster();
  catalogConfig = await cluster.createDatabase();
  catalogUrl = cluster.urlFor(catalogConfig);
  work = tempDir('status-page-numbers');
  const names = ['history-job', 'failing-job', 'late-job', 'old-job', 'recovered-job', 'unsized-job', 'overlap-job', 'new-job'];
  writeConfig(join(work, 'config'), {
    'servers.yaml': serverDoc('backup01', join(work, 'cron.d', 'pgbackops')),
    'nodes.yaml': nodeDoc('pg1', 'backup01'),
    'retention.yaml': retentionDoc,
    'backups.yaml': [...names.map((name) => backupDoc({ name, schedule: DAILY, databases: name === 'history-job' ? '[app, audit]' : '[app]' })), backupDoc({ name: 'off-job', schedule: DAILY, enabled: false })].join('---\n'),
  });
  await applyConverged(cli);
  await withClient(async (client) => {
    for (const r of runs()) {
      await client.query(
        `insert into pgbackops.backup_runs (definition, node, backup_server, database, backup_type, format, status, started_at, finished_at, bytes, failure_reason)
         values ($1, 'pg1', 'backup01', $2, 'full', 'custom', $3, $4, $5, $6, $7)`,
        [r.definition, r.database ?? 'app', r.status, new Date(r.startedAt), r.seconds == null ? null : new Date(r.startedAt + r.seconds * 1000), r.bytes ?? null, r.reason ?? null],
      );
    }
    // As the catalog is after autovacuum: index-only scans are then what the planner picks.
    await client.query('vacuum analyze pgbackops.backup_runs');
  });
});

afterAll(async () => {
  await cluster?.stop();
});

async function pageData(): Promise<StatusPageData> {
  const file = join(work, 'page', 'status.html');
  const res = await pgbackops(['status', '--html', file, '--catalog', catalogUrl, '--now', NOW, '--state-dir', join(work, 'state')]);
  expect(res.exitCode, res.stderr).toBe(0);
  const json = /<script type="application\/json" id="status-page-data">([\s\S]*?)<\/script>/.exec(readFileSync(file, 'utf8'))?.[1];
  expect(json).toBeDefined();
  return JSON.parse(json!) as StatusPageData;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe('the status page and `status --json` on the same catalog', () => {
  it('give every definition the same state, reason, last success and failure, last expected and next run, and the same counts', async () => {
    const page = await pageData();
    const status = await pgbackops(['status', '--json', '--no-nodes', '--now', NOW, '--catalog', catalogUrl, '--state-dir', join(work, 'state')]);
    expect(status.exitCode, status.stderr).toBe(0);
    const report = JSON.parse(status.stdout) as { definitions: Array<Record<string, any>> };

    const fromPage = Object.fromEntries(page.definitions.map((d) => [d.name, {
      state: healthStateId(d.state), reason: d.reason, last_success_at: iso(d.lastSuccessAt), last_failure_at: iso(d.lastFailureAt),
      last_expected_run: iso(d.lastExpectedAt), next_run: iso(d.nextRunAt),
    }]));
    const fromStatus = Object.fromEntries(report.definitions.map((d) => [d.name, {
      state: d.state, reason: d.reason, last_success_at: d.last_success_at, last_failure_at: d.last_failure?.at ?? null,
      last_expected_run: d.last_expected_run, next_run: d.next_run,
    }]));
    expect(fromPage).toEqual(fromStatus);
    // The cases this catalog was built for are there.
    expect(Object.fromEntries(Object.entries(fromPage).map(([name, d]) => [name, d.state]))).toEqual({
      'history-job': 'healthy', 'failing-job': 'failing', 'late-job': 'late', 'old-job': 'late', 'recovered-job': 'healthy',
      'unsized-job': 'healthy', 'overlap-job': 'healthy', 'new-job': 'never_run', 'off-job': 'unscheduled',
    });
    expect(fromPage['old-job']!.last_success_at).toBe(new Date(nightly(35) + 50_000).toISOString());

    const counts: Record<string, number> = {};
    for (const d of report.definitions) counts[d.state] = (counts[d.state] ?? 0) + 1;
    expect(Object.fromEntries(Object.entries(page.summary).filter(([, n]) => n > 0).map(([s, n]) => [healthStateId(s as HealthState), n]))).toEqual(counts);
  });

  it('draws in each timeline exactly the runs of the last 30 days, with their status, duration and size', async () => {
    const page = await pageData();
    const from = now - 30 * DAY;
    for (const d of page.definitions) {
      const expected = runs().filter((r) => r.definition === d.name && r.startedAt >= from).sort((a, b) => a.startedAt - b.startedAt)
        .map((r) => ({ startedAt: r.startedAt, durationSeconds: r.seconds ?? null, status: r.status, bytes: r.bytes ?? null }));
      expect(decodeTimeline(d.timeline, page.window.from), d.name).toEqual(expected);
    }
    const of = (name: string) => page.definitions.find((d) => d.name === name)!;
    expect(of('history-job').timeline.length / 4).toBe(60);
    expect(of('old-job').timeline).toEqual([]);
    // Last size and duration: of the latest success that has them.
    expect([of('history-job').lastBytes, of('history-job').lastDurationSeconds]).toEqual([1_000_000 + 44 * 10_000 + 7, 100]);
    expect(of('unsized-job').lastBytes).toBe(123_456);
    expect([of('overlap-job').lastBytes, of('overlap-job').lastDurationSeconds]).toEqual([2_000_000, 7200]);
    expect(of('failing-job').lastFailure).toBe('app: connection');
  });

  it("reads each definition's figures through its indexes, equal to the grouped query over all its runs", async () => {
    await withClient(async (client) => {
      const query = async <R extends Record<string, unknown>>(sql: string, params: unknown[]) => (await client.query(sql, params)).rows as R[];
      const perDefinition = await readRunStats(query, 'all');
      const names = (await client.query('select name from pgbackops.definitions order by name')).rows.map((r) => r.name as string);
      const grouped = await readRunStats(query, { definitions: names });
      expect(Object.fromEntries(perDefinition)).toEqual(Object.fromEntries(grouped));
      expect([...perDefinition.keys()].sort()).toEqual(names.filter((n) => n !== 'new-job'));
      expect(perDefinition.get('failing-job')).toMatchObject({ lastStatus: 'running', lastVerdict: 'failed' });
      expect(perDefinition.get('recovered-job')).toMatchObject({ lastStatus: 'skipped', lastVerdict: 'succeeded' });

      // Successes without a finish time (nothing records one, the schema allows it): they sort first in
      // `order by finished_at desc` and max() skips them, in both queries. Rolled back afterwards.
      await client.query('begin');
      try {
        const odd = `insert into pgbackops.backup_runs (definition, node, backup_server, database, status, started_at, bytes)
                     values ($1, 'pg1', 'backup01', 'app', 'succeeded', $2, $3)`;
        await client.query(odd, ['overlap-job', new Date(nightly(2)), 999]);
        await client.query(odd, ['late-job', new Date(nightly(20)), null]);
        await client.query(odd, ['new-job', new Date(nightly(1)), 5]);
        const names = [...new Set([...(await readRunStats(query, 'all')).keys(), 'new-job'])];
        const withOdd = await readRunStats(query, 'all');
        expect(Object.fromEntries(withOdd)).toEqual(Object.fromEntries(await readRunStats(query, { definitions: names })));
        expect(withOdd.get('overlap-job')).toMatchObject({ lastBytes: 999, lastDurationSeconds: 7200 });
        expect(withOdd.get('new-job')).toMatchObject({ lastBytes: 5, lastSuccessAt: null, lastVerdict: null });
      } finally {
        await client.query('rollback');
      }
    });
  });
});
