// `pgbackops import pgbackman` end to end through the built CLI: a PgBackMan catalog (its tables, written
// for the test from PgBackMan's SQL) in a real throwaway cluster, with dumps on disk -> a configuration
// directory that validates and applies into a real pgbackops catalog (plan empty after) -> with
// --with-history, the old backups are listed, and prune --dry-run keeps every backup PgBackMan's own
// retention view keeps.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIdOf } from '../../../src/core/import/pgbackman-history.js';
import { applyConverged, pgbackops, type CliResult } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/config.js';
import { createPgbackmanCatalog, type PgbackmanFixture } from '../../helpers/pgbackman-catalog.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';

let source: TestCluster;
let catalog: TestCluster;
let sourceUrl: string;
let sourceConfig: pg.ClientConfig;
let catalogUrl: string;
let work: string;
let fixture: PgbackmanFixture;

beforeAll(async () => {
  [source, catalog] = await Promise.all([startTestCluster(), startTestCluster()]);
  sourceConfig = await source.createDatabase('pgbackman');
  sourceUrl = source.urlFor(sourceConfig);
  catalogUrl = catalog.urlFor(await catalog.createDatabase());
  work = tempDir('import-pgbackman');
  const client = new pg.Client(sourceConfig);
  await client.connect();
  try {
    fixture = await createPgbackmanCatalog(client, join(work, 'files'), Date.now());
  } finally {
    await client.end();
  }
}, 120_000);

afterAll(async () => {
  await Promise.all([source?.stop(), catalog?.stop()]);
});

function importCli(out: string, ...extra: string[]): Promise<CliResult> {
  return pgbackops(['import', 'pgbackman', '--from', sourceUrl, '--out', out, '--state-dir', join(work, 'state'), '--catalog', catalogUrl, ...extra]);
}

function cli(configDir: string, ...args: string[]): Promise<CliResult> {
  return pgbackops([...args, '-c', configDir, '--state-dir', join(work, 'state'), '--catalog', catalogUrl]);
}

/** Every file under dir (dot-files included), path -> content. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out[relative(dir, join(entry.parentPath, entry.name))] = readFileSync(join(entry.parentPath, entry.name), 'utf8');
  }
  return out;
}

async function pgbackmanKeeps(): Promise<{ deleted: Set<number>; all: number[] }> {
  const client = new pg.Client(sourceConfig);
  await client.connect();
  try {
    const deleted = await client.query('select bck_id from get_cron_catalog_entries_to_delete_by_retention union select bck_id from get_at_catalog_entries_to_delete_by_retention');
    const all = await client.query('select bck_id from backup_catalog order by bck_id');
    return { deleted: new Set(deleted.rows.map((r) => Number(r.bck_id))), all: all.rows.map((r) => Number(r.bck_id)) };
  } finally {
    await client.end();
  }
}

describe('import pgbackman', () => {
  it('writes a configuration that validates and applies, the same files every time, with a report of approximations', async () => {
    const out = join(work, 'config');
    const first = await importCli(out);
    expect(first.exitCode, first.stderr + first.stdout).toBe(0);
    expect(Object.keys(tree(out)).sort()).toEqual([
      '.pgbackops-import.json', 'nodes/pg-node01-pgbackup02.yaml', 'nodes/pg-node01.yaml', 'nodes/pg-node02-5433.yaml', 'nodes/pg-node03.yaml',
      'retention.yaml', 'servers.yaml',
    ]);
    for (const code of [
      'I_RETENTION_APPROXIMATED', 'I_TIMEZONE_ASSUMED', 'I_SERVER_STATUS_DROPPED', 'I_NODE_SPLIT', 'I_NODE_SERVER_GUESSED', 'I_NODE_SETTING_DROPPED',
      'I_SERVER_SETTING_DROPPED', 'I_BACKUP_LOCATION_CHANGED', 'I_BACKUP_CODE_APPROXIMATED', 'I_BACKUP_CODE_UNSUPPORTED',
      'I_OPTION_DROPPED', 'I_DEFINITION_DELETED', 'I_SNAPSHOT_ALREADY_DUE', 'I_SNAPSHOT_SETTING_DROPPED', 'I_RESTORE_NOT_IMPORTED',
    ]) expect(first.stdout, code).toContain(code);
    const node01 = readFileSync(join(out, 'nodes/pg-node01.yaml'), 'utf8');
    // Every backup code, the schedule as PgBackMan's five cron fields, the extra parameters mapped.
    expect(node01).toMatch(/name: pg-node01-app\n[\s\S]*?type: full\n\s+schedule: 41 01 \* \* \*\n\s+format: directory\n\s+retention: pgbackman-7d-last1/);
    expect(node01).toMatch(/name: pg-node01-app-schema\n[\s\S]*?type: schema/);
    expect(node01).toMatch(/name: pg-node01-sales-db-data\n[\s\S]*?- Sales Db\n\s+type: data[\s\S]*?excludeTables:\n\s+- audit\.\*\n\s+extraArgs:\n\s+- --lock-wait-timeout=30s\n\s+jobs: 2\n\s+retention: pgbackman-1mo-last2\n\s+enabled: false/);
    expect(node01).toMatch(/name: pg-node01-cluster\n[\s\S]*?type: cluster/);
    expect(node01).toMatch(/kind: Snapshot\n[\s\S]*?type: schema\n\s+at: \S+Z\n\s+keepFor: 7d/);
    expect(readFileSync(join(out, 'nodes/pg-node02-5433.yaml'), 'utf8')).toMatch(/status: stopped[\s\S]*name: pg-node02-5433-reports-rds\n[\s\S]*?type: full/);
    expect(readFileSync(join(out, 'retention.yaml'), 'utf8')).toContain('name: pgbackman-36h-last2');
    expect(first.stdout).not.toContain('other.example.org:'); // a dropped -h is reported, never written
    expect(node01).not.toContain('other.example.org');

    const validate = await cli(out, 'validate');
    expect(validate.exitCode, validate.stderr + validate.stdout).toBe(0);
    expect(validate.stdout).toContain('5 Retention, 2 BackupServer, 4 Node, 6 Backup, 1 Snapshot');

    // Twice: byte-identical files, reported unchanged.
    const before = tree(out);
    const second = await importCli(out);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(tree(out)).toEqual(before);
    expect(second.stdout).toMatch(/servers\.yaml \(unchanged\)/);
    expect(second.stdout.replace(/ \(unchanged\)/g, '').replace(/^ {2}[+ ] /gm, '')).toEqual(first.stdout.replace(/^ {2}[+ ] /gm, ''));

    // --dry-run writes nothing.
    const dry = join(work, 'dry');
    const dryRun = await importCli(dry, '--dry-run');
    expect(dryRun.exitCode, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toContain('Would write to');
    expect(existsSync(dry)).toBe(false);

    await applyConverged((...args) => cli(out, ...args));
  });

  it('records PgBackMan\'s backups once, lists them, and prune keeps what PgBackMan\'s retention keeps', async () => {
    const out = join(work, 'config-history');
    const dry = await importCli(out, '--with-history', '--dry-run');
    expect(dry.exitCode, dry.stderr).toBe(0);
    const { all, deleted } = await pgbackmanKeeps();
    const first = await importCli(out, '--with-history');
    expect(first.exitCode, first.stderr + first.stdout).toBe(0);
    expect(first.stdout).toContain('I_HISTORY_FILE_MISSING');
    expect(first.stdout).toContain(`Recorded ${all.length} backup(s)`);
    await applyConverged((...args) => cli(out, ...args));
    const again = await importCli(out, '--with-history');
    expect(again.exitCode, again.stderr).toBe(0);

    const listed = await cli(out, 'backups', '--json', '--limit', '1000');
    expect(listed.exitCode, listed.stderr).toBe(0);
    const backups = (JSON.parse(listed.stdout) as { backups: Array<{ id: string; definition: string; status: string }> }).backups;
    // Once each, however often imported.
    expect(backups.map((b) => b.id).sort()).toEqual([...new Set(backups.map((b) => b.id))].sort());
    expect(backups).toHaveLength(all.length);
    expect(backups.filter((b) => b.definition === 'pg-node01-app').length).toBe(13);
    const missing = backups.find((b) => b.id === idOf(fixture.missing[0]!));
    expect(missing?.status).toBe('failed');

    // PgBackMan's own view decides what it deletes; pgbackops must keep every other backup.
    const expiredByPgbackops = new Set<string>();
    for (const server of ['pgbackup01', 'pgbackup02']) {
      const prune = await pgbackops(['prune', '--dry-run', '--json', '--server', server, '--state-dir', join(work, 'state'), '--catalog', catalogUrl, '-c', out]);
      expect(prune.exitCode, prune.stderr).toBe(0);
      const decisions = (JSON.parse(prune.stdout) as { servers: Array<{ prune: { decisions: Array<{ id: string; keep: boolean }> } }> }).servers[0]!.prune.decisions;
      for (const d of decisions) if (!d.keep) expiredByPgbackops.add(d.id);
    }
    const keptByPgbackman = all.filter((id) => !deleted.has(id));
    for (const id of keptByPgbackman) expect(expiredByPgbackops.has(idOf(id)), `bck_id ${id} is kept by PgBackMan`).toBe(false);
    // And retention does work on the imported backups: the oldest daily dumps of def 1 expire.
    expect(expiredByPgbackops.size).toBeGreaterThan(0);
    for (const id of expiredByPgbackops) expect([...deleted].map(idOf)).toContain(id);
  });
});

const runIds = new Map<number, string>();
/** The run id a bck_id was recorded under, from the source row. */
function idOf(bckId: number): string {
  const known = runIds.get(bckId);
  if (known) return known;
  throw new Error(`unknown bck_id ${bckId}`);
}

beforeAll(async () => {
  const client = new pg.Client(sourceConfig);
  await client.connect();
  try {
    await client.query(`set timezone = 'UTC'`);
    const rows = await client.query(`select bck_id, backup_server_id, pgsql_node_id, dbname, to_jsonb(started) #>> '{}' as started, to_jsonb(registered) #>> '{}' as registered from backup_catalog`);
    for (const r of rows.rows) {
      runIds.set(Number(r.bck_id), runIdOf({ bckId: Number(r.bck_id), backupServerId: r.backup_server_id, pgsqlNodeId: r.pgsql_node_id, dbname: r.dbname, started: r.started, registered: r.registered }));
    }
  } finally {
    await client.end();
  }
});
