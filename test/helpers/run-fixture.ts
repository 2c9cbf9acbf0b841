// The set-up shared by the `pgbackops run` test files (test/integration/run.test.ts, test/integration/run/):
// a seeded node cluster and a catalog cluster per file, a fresh workspace and catalog database per test, and
// the test's `cli`, `run` and `runs` wrappers. The files are split by theme so that they run in parallel.
//
// The workspace is exported as live bindings (`export let`): a test file imports `stateDir`, `node`... and
// reads the values of the test that is running; useRunFixture() registers the hooks that assign them.
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { startTestCluster, type TestCluster } from './pg-cluster.js';
import { applyConverged, pgbackopsAsJobUser, type CliResult } from './cli.js';
import { backupSpecDoc, retentionDoc, serverDoc, writeConfig } from './config.js';
import { queryAt } from './pg-tools.js';
import { seedDatabase } from './seed.js';
import { catalogConfig, cli, configDir, openWorkspace, stateDir, work } from './workspace.js';

export { catalogConfig, catalogUrl, cli, configDir, stateDir, work } from './workspace.js';

/** The seeded database on the node: a name that needs quoting everywhere. */
export const DB = 'Shop "Ω" db=1';

export let node: TestCluster;
export let catalog: TestCluster;
export let backupRoot: string;

/**
 * Registers the hooks: per file, the node (DB seeded, databases "second" and "scratch" created) and the
 * catalog; per test, a workspace and a catalog database of its own.
 */
export function useRunFixture(): void {
  beforeAll(async () => {
    [node, catalog] = await Promise.all([startTestCluster(), startTestCluster()]);
    await seedDatabase(node.config, DB, 2000);
    const admin = new pg.Client(node.adminConfig);
    await admin.connect();
    await admin.query('create database "second"');
    await admin.query('create database scratch');
    await admin.end();
  });
  afterAll(async () => {
    await Promise.all([node?.stop(), catalog?.stop()]);
  });
  beforeEach(async () => {
    await openWorkspace('run', catalog);
    backupRoot = join(work, 'backups');
  });
}

export function nodeYaml(server = 'backup01'): string {
  return `apiVersion: pgbackops/v1
kind: Node
metadata: { name: pg1 }
spec: { host: ${node.socketDir}, port: ${node.port}, user: ${String(node.config.user)}, backupServer: ${server} }
`;
}

/** Writes the configuration and applies it; the plan after must be empty, unless a delete is meant to be blocked. */
export async function setUp(backups: Record<string, string>, opts: { node?: string; blockedDelete?: boolean; server?: string } = {}): Promise<void> {
  const server = opts.server ?? 'backup01';
  writeConfig(configDir, {
    'server.yaml': serverDoc(server, join(work, 'cron', 'pgbackops'), backupRoot),
    'node.yaml': opts.node ?? nodeYaml(server),
    'retention.yaml': retentionDoc,
    'backups.yaml': Object.entries(backups).map(([n, s]) => backupSpecDoc(n, s, null)).join('---\n'),
  });
  if (opts.blockedDelete) {
    const apply = await cli('apply', '--yes');
    expect(apply.exitCode, apply.stderr).toBe(0);
    expect(apply.stdout).toMatch(/delete blocked/);
  } else {
    await applyConverged(cli);
  }
}

/** Like cron does: as the job user, only the state dir; the catalog comes from what apply remembered there. */
export function run(...args: string[]): Promise<CliResult> {
  return pgbackopsAsJobUser(['run', '--state-dir', stateDir, ...args]);
}

/** The definition's rows in backup_runs, oldest first. */
export async function runs(definition: string): Promise<Array<Record<string, unknown>>> {
  return queryAt<Record<string, unknown>>(catalogConfig, 'select * from pgbackops.backup_runs where definition = $1 order by started_at, database', [definition]);
}

/**
 * Holds a lock that a pg_dump of database "second" waits for, so that a run stays in progress until the
 * returned session rolls back (or ends).
 */
export async function holdDumpLock(): Promise<pg.Client> {
  const blocker = new pg.Client({ ...node.adminConfig, database: 'second' });
  await blocker.connect();
  await blocker.query('create table if not exists t (x int)');
  await blocker.query('begin');
  await blocker.query('lock table t in access exclusive mode');
  return blocker;
}
