// The operator reports (backups, show, history, status) through the built CLI over a real catalog seeded
// with fixed ids and timestamps, compared with golden outputs in test/fixtures/reports/. Regenerate them
// after an intended change with UPDATE_GOLDEN=1 and review the diff.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, applyConverged, pgbackops } from '../../helpers/cli.js';
import { tempDir, writeConfig } from '../../helpers/config.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import type { HealthStateId } from '../../../src/core/reports/definition-health.js';

const GOLDEN = fileURLToPath(new URL('../../fixtures/reports/', import.meta.url));
const NOW = '2026-11-20T12:00:00Z';

let node: TestCluster;
let catalog: TestCluster;
let configDir: string;
let stateDir: string;
let catalogUrl: string;
let catalogConfig: pg.ClientConfig;

function backupYaml(name: string, spec: string): string {
  return `apiVersion: pgbackops/v1
kind: Backup
metadata: { name: ${name} }
spec:
  retention: standard
${spec.trim().split('\n').map((l) => `  ${l}`).join('\n')}
`;
}

function cli(...args: string[]): Promise<CliResult> {
  return pgbackops([...args, '-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl], { PGBACKOPS_ACTOR: 'ops@test' });
}

/** Compares with (or, under UPDATE_GOLDEN=1, writes) test/fixtures/reports/<name>. */
function golden(name: string, actual: string): void {
  const path = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN || !existsSync(path)) writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

function json(result: CliResult): string {
  expect(result.exitCode, result.stderr).toBe(0);
  const value = JSON.parse(result.stdout) as Record<string, unknown>;
  expect(value.pgbackops_version).toEqual(expect.any(String));
  return `${JSON.stringify({ ...value, pgbackops_version: 'VERSION' }, null, 2)}\n`;
}

function text(result: CliResult): string {
  expect(result.exitCode, result.stderr).toBe(0);
  return result.stdout;
}

/** Fixed ids that differ in their first 8 characters, as real ones do. */
const ID = (n: number) => `beef${String(n).padStart(4, '0')}-0000-4000-8000-000000000000`;
const FILES = [
  { path: 'database.sql', bytes: 1200, sha256: 'a'.repeat(64) },
  { path: 'dump.pgdump', bytes: 52_428_800, sha256: 'b'.repeat(64) },
];

async function seedCatalog(): Promise<void> {
  const client = new pg.Client(catalogConfig);
  await client.connect();
  try {
    const run = (id: number, def: string, db: string | null, status: string, started: string, seconds: number | null, extra: Record<string, unknown> = {}) =>
      client.query(
        `insert into pgbackops.backup_runs (id, definition, node, backup_server, database, backup_type, format, status, started_at, finished_at,
           bytes, files, failure_reason, failure_detail, log, pg_dump_version, server_version, directory, retention, timezone)
         values ($1, $2, $3, 'backup01', $4, $5, $6, $7, $8::timestamptz, $8::timestamptz + make_interval(secs => $9), $10, $11, $12, $13, $14,
           '15.13', '15.13', $15, $16, 'Europe/Paris')`,
        [
          ID(id), def, extra.node ?? 'pg1', db, db === null ? 'cluster' : 'full', db === null ? 'plain' : 'custom', status, started, seconds,
          status === 'succeeded' ? (extra.bytes ?? 52_429_000) : null, status === 'succeeded' ? JSON.stringify(FILES) : null,
          extra.reason ?? null, extra.detail ?? null, extra.log ?? `run ${id} log`,
          `/srv/pgbackops/pg1/${def}/${db === null ? '_cluster' : `db-${encodeURIComponent(db)}`}/${started.replace(/[-:]/g, '')}`,
          JSON.stringify(extra.retention ?? { keepLast: 2, keepDaily: 7 }),
        ],
      );
    await run(1, 'app-daily', 'app', 'succeeded', '2026-11-18T01:30:00Z', 62.5);
    await run(2, 'app-daily', 'app', 'succeeded', '2026-11-19T01:30:00Z', 64);
    await run(3, 'app-daily', 'app', 'succeeded', '2026-11-20T01:30:00Z', 3725, { bytes: 1_073_741_824 });
    await run(4, 'app-hourly', 'app', 'succeeded', '2026-11-20T10:15:00Z', 4.2, { retention: { keepWithin: '2d' } });
    await run(5, 'app-hourly', 'Sales Db', 'succeeded', '2026-11-20T10:15:05Z', 3.1, { retention: { keepWithin: '2d' } });
    await run(6, 'app-hourly', 'app', 'failed', '2026-11-20T11:15:00Z', 1.5,
      { reason: 'connection-failed', detail: 'connection to server on socket failed: FATAL:  the database system is starting up', retention: { keepWithin: '2d' } });
    await run(7, 'late-one', 'other', 'succeeded', '2026-11-17T00:00:00Z', 12, { retention: { keepLast: 3 } });
    await run(8, 'app-hourly', 'Sales Db', 'expiring', '2026-11-17T10:15:05Z', 3.0, { retention: { keepWithin: '2d' } });
    await run(9, 'app-hourly', 'app', 'abandoned', '2026-11-19T09:15:00Z', 600, { reason: 'abandoned', detail: 'the process running it died before it finished' });
    await client.query(
      `insert into pgbackops.restore_runs (id, purpose, backup_run_id, definition, source_database, backup_type, format, target_node, target_database,
         renamed_existing_to, status, started_at, finished_at, failure_reason, log, pg_restore_version, server_version, created_roles, created_databases, actor)
       values ($1, 'restore', $2, 'app-daily', 'app', 'full', 'custom', 'pg1', 'app', 'app_20261120110000', 'succeeded',
               '2026-11-20T11:00:00Z', '2026-11-20T11:02:30Z', null, 'restore log', '15.13', '15.13', '{}', '{app}', 'ops@test'),
              ($3, 'trial', $2, 'app-daily', 'app', 'full', 'custom', 'pg1', 'pgbackops_verify_beef0003_20261120113000', null, 'failed',
               '2026-11-20T11:30:00Z', '2026-11-20T11:30:09Z', 'pg_restore failed (exit 1): pg_restore: error: could not execute query', 'trial log', '15.13', '15.13', '{}', '{}', 'ops@test')`,
      [ID(101), ID(3), ID(102)],
    );
    // Applies happen at run time: give them fixed revisions and times.
    await client.query(
      `update pgbackops.apply_history set revision = 'rev' || lpad(id::text, 37, '0'), actor = 'ops@test',
              started_at = '2026-11-15T08:00:00Z'::timestamptz + make_interval(hours => id::int),
              finished_at = '2026-11-15T08:00:01Z'::timestamptz + make_interval(hours => id::int)`,
    );
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  [node, catalog] = await Promise.all([startTestCluster(), startTestCluster()]);
  const admin = new pg.Client(node.adminConfig);
  await admin.connect();
  for (const db of ['app', 'Sales Db', 'other', 'unbacked']) await admin.query(`create database ${pg.escapeIdentifier(db)}`);
  await admin.end();
  const work = tempDir('reports');
  configDir = join(work, 'config');
  stateDir = join(work, 'state');
  catalogConfig = await catalog.createDatabase();
  catalogUrl = catalog.urlFor(catalogConfig);
  writeConfig(configDir, {
    'server.yaml': `apiVersion: pgbackops/v1
kind: BackupServer
metadata: { name: backup01 }
spec:
  host: backup01.example.org
  backupRoot: ${join(work, 'backups')}
  timezone: Europe/Paris
  scheduler: { type: cron.d, file: ${join(work, 'cron', 'pgbackops')}, user: postgres }
`,
    'nodes.yaml': `apiVersion: pgbackops/v1
kind: Node
metadata: { name: pg1 }
spec: { host: ${node.socketDir}, port: ${node.port}, user: ${String(node.config.user)}, backupServer: backup01 }
---
apiVersion: pgbackops/v1
kind: Node
metadata: { name: pg2 }
spec: { host: 127.0.0.1, port: 1, user: postgres, backupServer: backup01 }
---
apiVersion: pgbackops/v1
kind: Node
metadata: { name: pg3 }
spec: { host: pg3.example.org, port: 5432, user: postgres, backupServer: backup01, status: stopped }
`,
    'retention.yaml': `apiVersion: pgbackops/v1
kind: Retention
metadata: { name: standard }
spec: { keepLast: 2, keepDaily: 7 }
`,
    'backups.yaml': [
      backupYaml('app-daily', 'node: pg1\ndatabases: [app]\nschedule: "30 2 * * *"'),
      backupYaml('app-hourly', 'node: pg1\ndatabases: [app, Sales Db]\nschedule: "15 * * * *"'),
      backupYaml('late-one', 'node: pg1\ndatabases: [other]\nschedule: "0 1 * * *"'),
      backupYaml('never', 'node: pg1\ndatabases: [app]\nschedule: "0 4 * * 0"'),
      backupYaml('off', 'node: pg1\ndatabases: [unbacked]\nschedule: "0 5 * * *"\nenabled: false'),
      backupYaml('pg2-all', 'node: pg2\ntype: cluster\nschedule: "0 3 * * *"'),
      backupYaml('pg3-all', 'node: pg3\ntype: cluster\nschedule: "0 3 * * *"'),
    ].join('---\n'),
  });
  const apply = await applyConverged(cli);
  expect(apply.exitCode, apply.stderr).toBe(0);
  await seedCatalog();
}, 120_000);

afterAll(async () => {
  await Promise.all([node?.stop(), catalog?.stop()]);
});

describe('reports', () => {
  it('backups: newest first, with filters, text and JSON', async () => {
    golden('backups.txt', text(await cli('backups')));
    golden('backups.json', json(await cli('backups', '--json')));
    golden('backups-filtered.txt', text(await cli('backups', '--definition', 'app-hourly', '--database', 'Sales Db')));
    golden('backups-since-failed.txt', text(await cli('backups', '--since', '2026-11-19', '--status', 'failed')));
    expect(text(await cli('backups', '--node', 'pg9'))).toBe('No backups match.');
    const bad = await cli('backups', '--status', 'bogus');
    expect(bad.exitCode).toBe(1);
  });

  it('show: everything about one backup, by id prefix, text and JSON', async () => {
    golden('show.txt', text(await cli('show', ID(3))));
    golden('show.json', json(await cli('show', ID(3), '--json')));
    golden('show-failed.txt', text(await cli('show', ID(6))));
    const ambiguous = await cli('show', 'beef');
    expect(ambiguous.exitCode).toBe(1);
    expect(ambiguous.stderr).toMatch(/matches more than one backup/);
    const missing = await cli('show', 'ffffffff');
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/no backup with id "ffffffff"/);
  });

  it('history: applies and restores, text and JSON', async () => {
    golden('history.txt', text(await cli('history')));
    golden('history.json', json(await cli('history', '--json')));
  });

  it('status: health per definition, databases without a definition, unreachable nodes', async () => {
    golden('status.txt', text(await cli('status', '--now', NOW)));
    golden('status.json', json(await cli('status', '--now', NOW, '--json')));
  });

  it('status pages: every definition once, problems first, counts of the whole fleet, definitions added between pages', async () => {
    type Listing = { summary: Record<string, number>; definitions: Array<{ name: string; state: HealthStateId }>; next_after: string | null };
    const list = async (...args: string[]) => JSON.parse(text(await cli('status', '--now', NOW, '--json', '--no-nodes', ...args))) as Listing;
    const all = await list();
    expect(all.next_after).toBeNull();
    expect(all.summary).toEqual({ healthy: 1, failing: 1, late: 1, never_run: 2, unscheduled: 2 });
    // The catalog ranks (status-listing.ts) as statusReport decides: a state lists exactly its definitions
    // (and the pages below, each of two, come out in one order across the states).
    expect((await list('--state', 'never_run')).definitions.map((d) => d.name)).toEqual(all.definitions.filter((d) => d.state === 'never_run').map((d) => d.name));
    const first = await list('--limit', '2');
    expect(first.definitions.map((d) => d.name)).toEqual(['app-hourly', 'late-one']);
    expect(first.next_after).toBe('late:late-one');
    const client = new pg.Client(catalogConfig);
    await client.connect();
    try {
      // Added between pages: one never run (after the cursor: listed) and one failing (before it: not listed).
      await client.query(
        `insert into pgbackops.definitions (name, spec, spec_hash) select n, spec, spec_hash from pgbackops.definitions, unnest(array['a-new', 'zz-failing']) n where name = 'never'`);
      await client.query(
        `insert into pgbackops.backup_runs (definition, node, backup_server, database, status, started_at, finished_at, failure_reason)
         values ('zz-failing', 'pg1', 'backup01', 'app', 'failed', '2026-11-20T03:00:00Z', '2026-11-20T03:00:05Z', 'dump-failed')`);
      const seen = [...first.definitions];
      let after = first.next_after;
      let last = first;
      while (after !== null) {
        last = await list('--limit', '2', '--after', after);
        seen.push(...last.definitions);
        after = last.next_after;
      }
      expect(seen.map((d) => `${d.state}:${d.name}`)).toEqual([
        'failing:app-hourly', 'late:late-one', 'never_run:a-new', 'never_run:never', 'never_run:pg2-all', 'healthy:app-daily', 'unscheduled:off', 'unscheduled:pg3-all',
      ]);
      expect(last.summary).toEqual({ healthy: 1, failing: 2, late: 1, never_run: 3, unscheduled: 2 });
      const bad = await cli('status', '--after', 'late;rm -rf /');
      expect(bad.exitCode).not.toBe(0);
      expect(bad.stderr).toContain('--after must be the cursor a previous page printed');
    } finally {
      await client.query(`delete from pgbackops.backup_runs where definition = 'zz-failing'`);
      await client.query(`delete from pgbackops.definitions where name in ('a-new', 'zz-failing')`);
      await client.end();
    }
  });

  it('status: a success older than the last 50 runs is still the last success (each definition probed, not its recent runs)', async () => {
    // Runs after the golden files: 60 failures of late-one after its only success (2026-11-17T00:00:12Z).
    const client = new pg.Client(catalogConfig);
    await client.connect();
    try {
      await client.query(
        `insert into pgbackops.backup_runs (definition, node, backup_server, database, status, started_at, finished_at, failure_reason)
         select 'late-one', 'pg1', 'backup01', 'other', 'failed', timestamptz '2026-11-17T01:00:00Z' + make_interval(mins => g),
                timestamptz '2026-11-17T01:00:30Z' + make_interval(mins => g), 'failure ' || g
           from generate_series(1, 60) g`);
    } finally {
      await client.end();
    }
    const status = JSON.parse(text(await cli('status', '--now', NOW, '--json'))) as { definitions: Array<{ name: string; state: string; last_success_at: string | null; last_failure: { at: string; reason: string } | null }> };
    expect(status.definitions.find((d) => d.name === 'late-one')).toMatchObject({
      state: 'failing', last_success_at: '2026-11-17T00:00:12.000Z', last_failure: { at: '2026-11-17T02:00:30.000Z', reason: 'failure 60' },
    });
  });
});
