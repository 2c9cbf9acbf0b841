// The retention read against a real PostgreSQL: each group's runs arrive as packed binary records and are
// decoded into the same ids, start times (milliseconds, rounded as the catalog's epoch arithmetic rounds)
// and statuses that plain SQL gives; tombstone and delete statements handle large batches.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import pg from 'pg';
import { Catalog } from '../../../src/adapters/catalog/catalog.js';
import { silentLogger } from '../../../src/adapters/logger.js';
import { pruneServer } from '../../../src/jobs/prune.js';
import { RUN_STATUSES, uuidAt } from '../../../src/core/retention/run-columns.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { withClient } from '../../helpers/pg-tools.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(() => cluster?.stop());

const INSERT = `insert into pgbackops.backup_runs (definition, node, backup_server, database, status, started_at, retention, timezone)
  values ($1, 'n1', $2, $3, $4, $5, $6, 'Europe/Oslo')`;

describe('retention read', () => {
  test('decodes every run of the server, grouped by definition and database', async () => {
    const config = await cluster.createDatabase();
    const catalog = await Catalog.open(config);
    try {
      await withClient(config, async (client) => {
        const rows: Array<[string, string, string | null, string, string]> = [
          ['orders', 'b1', 'app', 'succeeded', '2026-11-20 01:30:00.0005+00'], // half a millisecond rounds up
          ['orders', 'b1', 'app', 'failed', '2026-11-19 01:30:00.0004+00'],
          ['orders', 'b1', 'app', 'running', '2026-11-21 01:30:00+00'],
          ['orders', 'b1', 'app', 'skipped', '2026-11-21 01:30:00+00'], // the same start time as the running one
          ['orders', 'b1', 'app', 'abandoned', '1999-12-31 23:59:59.999+00'], // before PostgreSQL's epoch
          ['orders', 'b1', 'app', 'expiring', '1969-07-20 20:17:40.0006+00'], // before the Unix epoch
          ['orders', 'b1', 'other', 'succeeded', '2026-11-20 01:30:00+00'],
          ['cluster', 'b1', null, 'succeeded', '2026-11-20 02:00:00+00'],
          ['orders', 'b2', 'app', 'succeeded', '2026-11-20 01:30:00+00'], // another server's
        ];
        for (const [definition, server, database, status, startedAt] of rows) {
          await client.query(INSERT, [definition, server, database, status, startedAt, definition === 'cluster' ? { keepLast: 3 } : null]);
        }
      });
      const expected = await withClient(config, async (client) => (await client.query(
        `select definition, database, id::text, status, (extract(epoch from started_at) * 1000)::bigint::float8 as started
           from pgbackops.backup_runs where backup_server = 'b1' order by definition, database, id`,
      )).rows);

      const groups = await catalog.runs.retentionGroups('b1', (definition) => definition === 'cluster');
      expect(groups.map((g) => [g.definition, g.database, g.runs.count])).toEqual([['cluster', null, 1], ['orders', 'app', 6], ['orders', 'other', 1]]);
      const decoded = groups.flatMap((g) => Array.from({ length: g.runs.count }, (_, i) => ({
        definition: g.definition, database: g.database, id: uuidAt(g.runs, i), status: RUN_STATUSES[g.runs.status[i]!], started: g.runs.startedAt[i],
      }))).sort((a, b) => (a.definition + a.database + a.id < b.definition + b.database + b.id ? -1 : 1));
      expect(decoded).toEqual(expected.sort((a, b) => (a.definition + a.database + a.id < b.definition + b.database + b.id ? -1 : 1)));
      expect(decoded.find((r) => r.status === 'succeeded' && r.database === 'app')!.started).toBe(Date.parse('2026-11-20T01:30:00.001Z'));

      // The retention a run was taken with is read for removed definitions only.
      expect(groups.map((g) => [g.definition, g.lastRetention, g.lastTimezone])).toEqual([
        ['cluster', { keepLast: 3 }, 'Europe/Oslo'], ['orders', null, null], ['orders', null, null],
      ]);
    } finally {
      await catalog.close();
    }
  });

  test('tombstones and deletes ten thousand runs in one statement each', async () => {
    const config = await cluster.createDatabase();
    const catalog = await Catalog.open(config);
    try {
      const ids = await withClient(config, async (client) => (await client.query(
        `insert into pgbackops.backup_runs (definition, node, backup_server, database, status, started_at, directory)
         select 'd', 'n', 'b1', 'app', 'succeeded', now() - make_interval(days => g), '/backups/' || g
           from generate_series(1, 10000) g returning id::text`,
      )).rows.map((row) => row.id as string));
      const marked = await catalog.runs.markExpiring(ids);
      expect(marked).toHaveLength(10_000);
      expect(marked.find((m) => m.id === ids[0])!.directory).toBe('/backups/1');
      expect(await catalog.runs.deleteExpired(ids)).toBe(10_000);
      expect((await catalog.runs.retentionGroups('b1', () => false))).toEqual([]);
    } finally {
      await catalog.close();
    }
  });

  test('a group holding runs of a backup method this version does not have is left whole, even when forced', async () => {
    const config = await cluster.createDatabase();
    const catalog = await Catalog.open(config);
    try {
      // Two removed definitions: one of pg_dump backups only, one where a newer pgbackops also recorded a backup
      // of a method this version does not have (whose files and dependencies it cannot weigh).
      await withClient(config, async (client) => {
        for (const [definition, method] of [['dumps', 'logical'], ['dumps', 'logical'], ['mixed', 'logical'], ['mixed', 'barman-cloud']]) {
          await client.query(
            `insert into pgbackops.backup_runs (definition, node, backup_server, database, status, started_at, method, method_facts)
             values ($1, 'n1', 'b1', null, 'succeeded', now() - interval '3 days', $2, $3)`,
            [definition, method, method === 'logical' ? null : { label: '20261120-013000F', type: 'full', prior: null }],
          );
        }
      });
      const serverSpec = { host: 'h', backupRoot: '/nonexistent', scheduler: { type: 'builtin' as const }, timezone: 'UTC' };
      const outcome = await pruneServer(catalog.runs, silentLogger, {
        server: 'b1', serverSpec, stateDir: '/nonexistent', objects: [], dryRun: true, forceRemoved: true, now: Date.now(),
      });
      expect(outcome.groups.map((g) => [g.definition, g.selection.expiring])).toEqual([['dumps', 2]]);
      expect(outcome.warnings).toEqual([
        'mixed/(cluster): it holds runs of backup method(s) "barman-cloud" that this version of pgbackops does not have; keeping its 2 run(s)',
      ]);
    } finally {
      await catalog.close();
    }
  });
});
