// What keeps the reports within a second at 10,000,000 runs (issue 16) answers as the whole-table reads did:
// - migration 029's kept bytes per definition (what `status` shows) equal the sum over the runs, and its run
//   summaries (what `status` and the daemon's /status read) the grouped aggregate over every run, after any
//   sequence of what writes runs (record, finish, expire, prune, abandon, a bulk insert), after a session
//   killed between its steps, and with two sessions recording runs of one definition at once;
// - `backups` pages by cursor (keyset pagination) list every backup once, in order, while runs are recorded.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import pg from 'pg';
import { Catalog } from '../../../src/adapters/catalog/catalog.js';
import type { PageCursor } from '../../../src/core/reports/page-cursor.js';
import type { RunRecord } from '../../../src/core/runs/run-record.js';
import { random } from '../../helpers/random-json.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { pgbackops } from '../../helpers/cli.js';
import { defineOnServer } from '../../helpers/catalog-rows.js';
import { readRunStats, readRunStatsOfEveryRun } from '../../../src/adapters/catalog/run-stats.js';

let cluster: TestCluster;
let config: pg.ClientConfig;
let catalog: Catalog;
let client: pg.Client;

beforeAll(async () => {
  cluster = await startTestCluster();
  config = await cluster.createDatabase();
  catalog = await Catalog.open(config);
  client = new pg.Client(config);
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await catalog?.close();
  await cluster?.stop();
});

/** The old definition of kept bytes (status-report's sum over every succeeded run): the reference. */
const REFERENCE = `select definition, sum(coalesce(bytes, 0))::text as bytes, count(*)::integer as runs
  from pgbackops.backup_runs where status = 'succeeded' and definition like $1 group by definition order by definition`;
const TOTALS = `select definition, bytes::text as bytes, runs::integer as runs
  from pgbackops.definition_kept_bytes where definition like $1 order by definition`;

async function totals(prefix: string, on: pg.Client = client): Promise<unknown[]> {
  return (await on.query(TOTALS, [`${prefix}%`])).rows;
}
async function expectTotalsEqualTheSum(prefix: string): Promise<void> {
  expect(await totals(prefix)).toEqual((await client.query(REFERENCE, [`${prefix}%`])).rows);
}

/** The run figures of the server's definitions (the summaries) equal the grouped aggregate over every run. */
async function expectSummariesEqualTheAggregate(prefix: string): Promise<void> {
  const q = async (sql: string, params: unknown[]) => (await client.query(sql, params)).rows;
  const of = (stats: Map<string, unknown>) => new Map([...stats].filter(([name]) => name.startsWith(prefix)).sort());
  expect(of(await readRunStats(q, { server: 'backup01' }))).toEqual(of(await readRunStatsOfEveryRun(q, 'backup01')));
}

const T0 = Date.parse('2026-11-01T00:00:00Z');

function runRecord(definition: string, status: RunRecord['status'], startedAt: number, bytes: number | null, id: string = randomUUID()): RunRecord {
  return {
    id, definition, node: 'pg1', backupServer: 'backup01', database: 'app', status,
    startedAt: new Date(startedAt).toISOString(), finishedAt: status === 'running' ? null : new Date(startedAt + 60_000).toISOString(),
    directory: null, bytes, files: null, serverVersion: null, failureReason: status === 'failed' ? 'dump_failed' : null, failureDetail: null,
    log: null, retention: null, timezone: 'UTC', encryption: null, method: 'logical', backupType: 'full', format: 'custom', pgDumpVersion: null, methodFacts: null,
  } as RunRecord;
}

describe('kept bytes and run summaries per definition (migration 029)', () => {
  test('equal the sum over the succeeded runs after a random sequence of record, finish, expire, prune, abandon and bulk inserts (seeded)', async () => {
    const next = random(16);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    const definitions = ['kb-a', 'kb-b', 'kb-c', 'kb-d', 'kb-e'];
    await defineOnServer(client, 'backup01', definitions);
    const recorded: Array<{ id: string; definition: string; startedAt: number }> = [];
    const some = () => recorded.filter(() => next() < 0.2).map((r) => r.id);
    let clock = T0;
    for (let step = 0; step < 400; step++) {
      const op = next();
      clock += 3_600_000;
      if (op < 0.4) {
        // A run recorded, or a running one finished (the upsert's update path), or recorded twice (a spool
        // ingested again).
        const running = recorded.filter(() => next() < 0.1)[0];
        const bytes = next() < 0.15 ? null : Math.floor(next() * 1e12);
        if (running && next() < 0.5) {
          await catalog.runs.upsertRun(runRecord(running.definition, pick(['succeeded', 'failed', 'succeeded'] as const), running.startedAt, bytes, running.id));
        } else {
          const r = { id: randomUUID(), definition: pick(definitions), startedAt: clock };
          recorded.push(r);
          const record = runRecord(r.definition, pick(['running', 'succeeded', 'succeeded', 'failed', 'skipped'] as const), r.startedAt, bytes, r.id);
          await catalog.runs.upsertRun(record);
          if (next() < 0.2) await catalog.runs.upsertRun(record);
        }
      } else if (op < 0.6) {
        await catalog.runs.markExpiring(some());
      } else if (op < 0.75) {
        await catalog.runs.deleteExpired(some());
      } else if (op < 0.85) {
        await catalog.runs.abandonRunning('backup01', pick(definitions), []);
      } else if (op < 0.95) {
        // Many runs of several definitions in one statement (an import, the benchmark's fill).
        await client.query(
          `insert into pgbackops.backup_runs (definition, node, backup_server, database, status, started_at, finished_at, bytes)
           select (array['kb-a', 'kb-b', 'kb-c'])[1 + g % 3], 'pg1', 'backup01', 'app', case when g % 4 = 0 then 'failed' else 'succeeded' end,
                  $1::timestamptz + make_interval(secs => g), $1::timestamptz + make_interval(secs => g + 1), case when g % 5 = 0 then null else g * 1000 end
             from generate_series(1, $2::integer) g`,
          [new Date(clock).toISOString(), 1 + Math.floor(next() * 50)],
        );
      } else {
        // A definition's runs changing hands (a rename by SQL): the old total shrinks, the new one grows.
        await client.query(`update pgbackops.backup_runs set definition = $2 where definition = $1`, [pick(definitions), pick(definitions)]);
      }
      if (step % 50 === 0) {
        await expectTotalsEqualTheSum('kb-');
        await expectSummariesEqualTheAggregate('kb-');
      }
    }
    await expectTotalsEqualTheSum('kb-');
    await expectSummariesEqualTheAggregate('kb-');
    expect((await readRunStats(async (sql, params) => (await client.query(sql, params)).rows, { server: 'backup01' })).size).toBeGreaterThan(1);
    expect((await totals('kb-')).length).toBeGreaterThan(1);
    // Everything expired and pruned: no total is left behind.
    await catalog.runs.markExpiring((await client.query(`select id::text from pgbackops.backup_runs where definition like 'kb-%'`)).rows.map((r) => r.id));
    await catalog.runs.deleteExpired((await client.query(`select id::text from pgbackops.backup_runs where definition like 'kb-%'`)).rows.map((r) => r.id));
    expect(await totals('kb-')).toEqual([]);
    await expectSummariesEqualTheAggregate('kb-');
    // The runs retention does not expire (running, skipped, abandoned) deleted too: no summary is left behind.
    await client.query(`delete from pgbackops.backup_runs where definition like 'kb-%'`);
    expect((await client.query(`select count(*)::integer as n from pgbackops.definition_run_summaries where definition like 'kb-%'`)).rows[0].n).toBe(0);
  });

  test('a session killed between its steps changes no total; an expiry interrupted between its two steps counts as expired', async () => {
    await defineOnServer(client, 'backup01', ['kk-a', 'kk-b']);
    for (const bytes of [1000, 2000, 4000]) await catalog.runs.upsertRun(runRecord('kk-a', 'succeeded', T0 + bytes, bytes));
    const before = await totals('kk-');
    const summariesBefore = (await client.query(`select * from pgbackops.definition_run_summaries where definition like 'kk-%'`)).rows;
    const victim = new pg.Client(config);
    victim.on('error', () => undefined);
    await victim.connect();
    const pid = (await victim.query('select pg_backend_pid() as pid')).rows[0].pid as number;
    await victim.query('begin');
    await victim.query(
      `insert into pgbackops.backup_runs (definition, node, backup_server, status, started_at, finished_at, bytes)
       values ('kk-a', 'pg1', 'backup01', 'succeeded', now(), now(), 500), ('kk-b', 'pg1', 'backup01', 'succeeded', now(), now(), 7)`);
    await victim.query(`update pgbackops.backup_runs set status = 'expiring' where definition = 'kk-a' and bytes = 1000`);
    // Inside the transaction the totals have moved with the runs...
    expect(await totals('kk-', victim)).toEqual([{ definition: 'kk-a', bytes: '6500', runs: 3 }, { definition: 'kk-b', bytes: '7', runs: 1 }]);
    // ... and the session dies before it commits.
    await client.query('select pg_terminate_backend($1)', [pid]);
    await victim.end().catch(() => undefined);
    expect(await totals('kk-')).toEqual(before);
    expect((await client.query(`select * from pgbackops.definition_run_summaries where definition like 'kk-%'`)).rows).toEqual(summariesBefore);
    await expectTotalsEqualTheSum('kk-');
    await expectSummariesEqualTheAggregate('kk-');

    // maintain marks a run expiring, removes its files, then deletes the row; killed between the two, the
    // run no longer counts, and the delete of the next maintain changes nothing more.
    const [expiring] = (await client.query(`select id::text from pgbackops.backup_runs where definition = 'kk-a' and bytes = 2000`)).rows;
    await catalog.runs.markExpiring([expiring.id]);
    expect(await totals('kk-')).toEqual([{ definition: 'kk-a', bytes: '5000', runs: 2 }]);
    await catalog.runs.deleteExpired([expiring.id]);
    expect(await totals('kk-')).toEqual([{ definition: 'kk-a', bytes: '5000', runs: 2 }]);
    await expectTotalsEqualTheSum('kk-');
    await expectSummariesEqualTheAggregate('kk-');
  });

  test('two sessions recording runs of one definition at once both count (the second waits for the first)', async () => {
    await defineOnServer(client, 'backup01', ['kc-a']);
    await catalog.runs.upsertRun(runRecord('kc-a', 'succeeded', T0, 10));
    const [first, second] = [new pg.Client(config), new pg.Client(config)];
    await Promise.all([first.connect(), second.connect()]);
    try {
      // The first records a failure and a success, the second starts a run (which changes no kept bytes: it
      // waits on no total's row): the summary must hold all three (a recomputation that read the runs before
      // waiting for the first would miss its failure and success).
      const insert = (on: pg.Client, status: string, bytes: number) => on.query(
        `insert into pgbackops.backup_runs (definition, node, backup_server, status, started_at, finished_at, bytes)
         values ('kc-a', 'pg1', 'backup01', $1, clock_timestamp(), clock_timestamp(), $2)`, [status, bytes]);
      await first.query('begin');
      await second.query('begin');
      await insert(first, 'failed', 100);
      await insert(first, 'succeeded', 100);
      const waiting = insert(second, 'running', 1000);
      await new Promise((r) => setTimeout(r, 200));
      await first.query('commit');
      await waiting;
      await second.query('commit');
    } finally {
      await Promise.all([first.end(), second.end()]);
    }
    expect(await totals('kc-')).toEqual([{ definition: 'kc-a', bytes: '110', runs: 2 }]);
    await expectTotalsEqualTheSum('kc-');
    await expectSummariesEqualTheAggregate('kc-');
    const [summary] = (await client.query(`select latest_status, ok_finished_at > $1 as ok_is_new, bad_status from pgbackops.definition_run_summaries where definition = 'kc-a'`, [new Date(T0 + 3_600_000)])).rows;
    expect(summary).toEqual({ latest_status: 'running', ok_is_new: true, bad_status: 'failed' });
  });
});

describe('backups by page (keyset pagination)', () => {
  test('pages list every backup once, newest first, while runs are recorded between them', async () => {
    // Ties on purpose: runs started in the same microsecond (the id orders them), and runs a microsecond apart
    // (a millisecond clock would take them for ties).
    const base = '2026-10-01T00:00:00';
    const values: string[] = [];
    for (let i = 0; i < 120; i++) {
      const micros = String(Math.floor(i / 3) * (i % 2 === 0 ? 1 : 7)).padStart(6, '0');
      values.push(`('kp-${i % 4}', 'pg1', 'backup01', 'succeeded', '${base}.${micros}Z'::timestamptz - make_interval(mins => ${i % 11}))`);
    }
    await client.query(`insert into pgbackops.backup_runs (definition, node, backup_server, status, started_at) values ${values.join(', ')}`);
    const expected = async (definition?: string) => (await client.query(
      `select id::text from pgbackops.backup_runs where definition like $1 order by started_at desc, id`, [definition ?? 'kp-%'])).rows.map((r) => r.id as string);
    for (const definition of [undefined, 'kp-1']) {
      const all = await expected(definition);
      const seen: string[] = [];
      let after: PageCursor | undefined;
      for (let page = 0; page < 100; page++) {
        const { backups, nextAfter } = await catalog.reports.listBackupsPage({ limit: 7, ...(definition ? { definition } : {}) }, after);
        seen.push(...backups.map((b) => b.id).filter((id) => all.includes(id)));
        // A run recorded meanwhile, as a job records it: started now, newer than every page already read.
        await catalog.runs.upsertRun(runRecord(definition ?? 'kp-0', 'running', Date.now(), null));
        if (nextAfter === null) break;
        after = nextAfter;
      }
      expect(seen).toEqual(all);
    }
  });

  test('the CLI prints the next page\'s cursor and takes it back with --after; a malformed cursor is a usage error', async () => {
    const url = cluster.urlFor(config);
    const run = (...args: string[]) => pgbackops(['backups', '--catalog', url, '--json', '--definition', 'kp-2', ...args]);
    const all = (await client.query(`select id::text from pgbackops.backup_runs where definition = 'kp-2' order by started_at desc, id`)).rows.map((r) => r.id);
    const first = await run('--limit', '20');
    expect(first.exitCode, first.stderr).toBe(0);
    const one = JSON.parse(first.stdout);
    expect(one.next_after).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z_[0-9a-f-]{36}$/);
    const second = JSON.parse((await run('--limit', '20', '--after', one.next_after)).stdout);
    expect([...one.backups, ...second.backups].map((b: { id: string }) => b.id)).toEqual(all.slice(0, 40));
    const text = await pgbackops(['backups', '--catalog', url, '--definition', 'kp-2', '--limit', '5']);
    expect(text.stdout).toContain(`more: pgbackops backups --after ${(JSON.parse((await run('--limit', '5')).stdout)).next_after}`);
    const bad = await run('--after', 'yesterday');
    expect(bad.exitCode).toBe(1);
    expect(JSON.parse(bad.stdout).error.code).toBe('E_USAGE');
  });
});

describe('history by page (keyset pagination)', () => {
  test('applies and restores page once each, newest first, while restores are recorded; the CLI takes its cursor back', async () => {
    await client.query(`
      insert into pgbackops.apply_history (revision, actor, started_at, finished_at, catalog_version_before, catalog_version_after)
      select 'rev' || g, 'ops', timestamptz '2026-10-01' + make_interval(mins => g / 3), timestamptz '2026-10-01' + make_interval(mins => g / 3), 0, 0
        from generate_series(1, 23) g`);
    await client.query(`
      insert into pgbackops.restore_runs (definition, target_node, target_database, status, started_at, purpose)
      select 'kh', 'pg1', 'db' || g, 'succeeded', timestamptz '2026-10-01' + make_interval(mins => g % 7), 'restore'
        from generate_series(1, 31) g`);
    const expected = async (table: string, order: string) => (await client.query(`select t.id::text as id from pgbackops.${table} t order by ${order}`)).rows.map((r) => r.id as string);
    const [applies, restores] = [await expected('apply_history', 't.started_at desc, t.id desc'), await expected('restore_runs', 't.started_at desc, t.id')];
    const seen = { applies: [] as string[], restores: [] as string[] };
    let after: { applies?: PageCursor; restores?: PageCursor } = {};
    for (let page = 0; page < 20; page++) {
      const a = await catalog.reports.applyHistoryPage(4, after.applies);
      const r = await catalog.reports.restoreHistoryPage(4, {}, after.restores);
      seen.applies.push(...a.rows.map((x) => String(x.id)));
      seen.restores.push(...r.rows.map((x) => x.id).filter((id) => restores.includes(id)));
      await client.query(`insert into pgbackops.restore_runs (definition, target_node, target_database, status, started_at, purpose) values ('kh', 'pg1', 'late', 'running', now(), 'restore')`);
      if (a.nextAfter === null && r.nextAfter === null) break;
      after = { ...(a.nextAfter ? { applies: a.nextAfter } : {}), ...(r.nextAfter ? { restores: r.nextAfter } : {}) };
      // A finished list is not read again (the CLI's `end`): here, start it over past its end instead.
      if (a.nextAfter === null) after.applies = { startedAt: '1970-01-01T00:00:00.000000Z', id: '0' };
      if (r.nextAfter === null) after.restores = { startedAt: '1970-01-01T00:00:00.000000Z', id: '00000000-0000-0000-0000-000000000000' };
    }
    expect(seen).toEqual({ applies, restores });

    const url = cluster.urlFor(config);
    const first = JSON.parse((await pgbackops(['history', '--catalog', url, '--json', '--limit', '20'])).stdout);
    expect(first.next_after).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z_\d+~\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z_[0-9a-f-]{36}$/);
    const second = JSON.parse((await pgbackops(['history', '--catalog', url, '--json', '--limit', '20', '--after', first.next_after])).stdout);
    expect([...first.applies, ...second.applies].map((x: { id: number }) => String(x.id))).toEqual(applies);
    expect(second.next_after).toBeNull();
  });
});
