// The run figures of named definitions (what `check-status` reads) are the grouped aggregate's answers, read
// by index probes: a few rows per definition, not every run (migration 027, src/adapters/catalog/run-stats.ts).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import pg from 'pg';
import { Catalog } from '../../../src/adapters/catalog/catalog.js';
import { readRunStats, readRunStatsOfEveryRun, RUN_SUMMARY_COLUMNS, RUN_SUMMARY_JOINS, runSummaryOfRow } from '../../../src/adapters/catalog/run-stats.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { defineOnServer } from '../../helpers/catalog-rows.js';

let cluster: TestCluster;
let client: pg.Client;
const query = async (sql: string, params: unknown[]) => (await client.query(sql, params)).rows;

const T = Date.parse('2026-03-10T00:00:00Z');
const h = (hours: number) => new Date(T + hours * 3_600_000).toISOString();

/** definition, status, started (hours after T), finished (hours after T, or null), bytes. */
const RUNS: Array<[string, string, number, number | null, number | null]> = [
  // The latest run is still running; the success that finished last started first.
  ['crossed', 'succeeded', 0, 9, 100],
  ['crossed', 'failed', 1, 2, null],
  ['crossed', 'running', 10, null, null],
  // Its latest success has no size: the size is the latest known one.
  ['unsized', 'succeeded', 0, 1, 500],
  ['unsized', 'succeeded', 24, 25, null],
  // Only failures: abandoned after failed.
  ['broken', 'failed', 0, 1, null],
  ['broken', 'abandoned', 24, 30, null],
  // Nothing finished yet.
  ['starting', 'running', 5, null, null],
  // Expiring counts as a success; the latest started was skipped.
  ['aging', 'expiring', 0, 2, 700],
  ['aging', 'failed', 3, 4, null],
  ['aging', 'succeeded', 5, 6, 800],
  ['aging', 'skipped', 7, 7, null],
  // A failure that finished after a later-started success.
  ['slowfail', 'failed', 0, 20, null],
  ['slowfail', 'succeeded', 1, 2, 42],
];

beforeAll(async () => {
  cluster = await startTestCluster();
  const config = await cluster.createDatabase();
  await (await Catalog.open(config)).close(); // migrates
  client = new pg.Client(config);
  await client.connect();
  for (const [definition, status, started, finished, bytes] of RUNS) {
    await client.query(
      `insert into pgbackops.backup_runs (definition, node, backup_server, database, status, started_at, finished_at, bytes)
       values ($1, 'pg1', 'backup01', 'db', $2, $3, $4, $5)`,
      [definition, status, h(started), finished === null ? null : h(finished), bytes],
    );
  }
});
afterAll(async () => {
  await client?.end();
  await cluster?.stop();
});

describe('run figures of named definitions', () => {
  test("of one server, the summaries migration 029's triggers keep give the grouped aggregate's figures", async () => {
    const names = [...new Set(RUNS.map((r) => r[0]))];
    await defineOnServer(client, 'backup01', names);
    const aggregate = await readRunStatsOfEveryRun(query, 'backup01');
    expect(new Map([...(await readRunStats(query, { server: 'backup01' }))].sort())).toEqual(new Map([...aggregate].sort()));
    expect(aggregate.size).toBe(names.length);
  });

  test('equal the grouped aggregate over every run, definition by definition', async () => {
    const names = [...new Set(RUNS.map((r) => r[0]))];
    const named = await readRunStats(query, { definitions: [...names, 'never-ran'] });
    // Of one server, the figures still come from the grouped aggregate over every run: the reference.
    const aggregate = await readRunStatsOfEveryRun(query, 'backup01');
    expect(named.has('never-ran')).toBe(false);
    expect(new Map([...named].sort())).toEqual(new Map([...aggregate].sort()));
    expect(named.get('crossed')).toEqual({
      lastStartedAt: T + 10 * 3_600_000, lastStatus: 'running', lastSuccessAt: T + 9 * 3_600_000, lastFailureAt: T + 2 * 3_600_000,
      lastVerdict: 'succeeded', lastDurationSeconds: 9 * 3600, lastBytes: 100,
    });
    expect(named.get('unsized')).toMatchObject({ lastBytes: 500, lastDurationSeconds: 3600 });
    expect(named.get('broken')).toMatchObject({ lastVerdict: 'failed', lastSuccessAt: null, lastFailureAt: T + 30 * 3_600_000, lastBytes: null });
    expect(named.get('starting')).toMatchObject({ lastStatus: 'running', lastVerdict: null, lastSuccessAt: null });
    expect(named.get('aging')).toMatchObject({ lastStatus: 'skipped', lastVerdict: 'succeeded', lastBytes: 800 });
    expect(named.get('slowfail')).toMatchObject({ lastVerdict: 'failed', lastSuccessAt: T + 2 * 3_600_000 });
  });

  test("check-status's run summaries (three probes in its definitions' statement) are the same figures", async () => {
    const names = [...new Set(RUNS.map((r) => r[0]))];
    const rows = await query(`select d.name, ${RUN_SUMMARY_COLUMNS} from unnest($1::text[]) as d(name) ${RUN_SUMMARY_JOINS}`, [[...names, 'never-ran']]);
    const summaries = new Map(rows.map((r) => [r.name as string, runSummaryOfRow(r)]));
    expect(summaries.get('never-ran')).toBeUndefined();
    const aggregate = await readRunStatsOfEveryRun(query, 'backup01');
    for (const name of names) {
      const { lastDurationSeconds, lastBytes, ...summary } = aggregate.get(name)!;
      expect(summaries.get(name), name).toEqual(summary);
    }
  });

  test('read a few index entries per definition, not every run', async () => {
    // 200 definitions with 30 runs each: the aggregate reads all 6,000 rows; the probes about four per definition.
    await client.query(`
      insert into pgbackops.backup_runs (definition, node, backup_server, database, status, started_at, finished_at, bytes)
      select 'fleet-' || d, 'pg1', 'backup01', 'db', case when g % 7 = 0 then 'failed' else 'succeeded' end,
             timestamptz '2026-01-01' + make_interval(days => g), timestamptz '2026-01-01' + make_interval(days => g, mins => 5), 1000
        from generate_series(1, 200) d cross join generate_series(1, 30) g`);
    await client.query('analyze pgbackops.backup_runs');
    const names = Array.from({ length: 200 }, (_, i) => `fleet-${i + 1}`);
    let rowsRead = 0;
    const explained = async (sql: string, params: unknown[]) => {
      const [{ 'QUERY PLAN': plan }] = await query(`explain (analyze, format json) ${sql}`, params);
      rowsRead += backupRunRowsRead(plan[0].Plan);
      return query(sql, params);
    };
    const stats = await readRunStats(explained, { definitions: names });
    expect(stats.size).toBe(200);
    expect(rowsRead).toBeLessThanOrEqual(4 * 200);
    // The summaries alone: the latest run, success and failure, at most one entry each.
    rowsRead = 0;
    await explained(`select d.name, ${RUN_SUMMARY_COLUMNS} from unnest($1::text[]) as d(name) ${RUN_SUMMARY_JOINS}`, [names]);
    expect(rowsRead).toBeLessThanOrEqual(3 * 200);
  });
});

interface PlanNode {
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

/** Rows the plan's scans of backup_runs produced or filtered away, over all their loops. */
function backupRunRowsRead(node: PlanNode): number {
  const own = node['Relation Name'] === 'backup_runs'
    ? (node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0)) * node['Actual Loops']
    : 0;
  return own + (node.Plans ?? []).reduce((sum, child) => sum + backupRunRowsRead(child), 0);
}
