// A test file's workspace: a temporary directory with config/ and state/ in it, a catalog database of its own
// on the file's catalog cluster, and the `cli` wrapper that runs the built CLI against all three.
//
// The values are exported as live bindings (`export let`): a test file imports `configDir`, `stateDir`... and
// reads what the last openWorkspace() call of that file set (each test file has its own module instance).
import { join } from 'node:path';
import type pg from 'pg';
import { pgbackops, pgbackopsOnTty, type CliResult } from './cli.js';
import { backupSpecDoc, clusterNodeDoc, retentionDoc, serverDoc, tempDir, writeConfig } from './config.js';
import { startTestCluster, type TestCluster } from './pg-cluster.js';
import { seedDatabase } from './seed.js';

export let work: string;
export let configDir: string;
export let stateDir: string;
export let catalogConfig: pg.ClientConfig;
export let catalogUrl: string;

/** A new workspace (`prefix` names its temporary directory) with a new database on `catalog`. */
export async function openWorkspace(prefix: string, catalog: TestCluster): Promise<void> {
  work = tempDir(prefix);
  configDir = join(work, 'config');
  stateDir = join(work, 'state');
  catalogConfig = await catalog.createDatabase();
  catalogUrl = catalog.urlFor(catalogConfig);
}

/**
 * The setup of tests that back up one node and restore to another: a source cluster (node pg1) whose
 * `database` is seeded with `rows` rows (seed.ts), an empty target cluster (node pg2), a catalog cluster the
 * workspace is opened on, and a configuration of server backup01 (its cron file and backups under the
 * workspace), the two nodes, the standard retention and one Backup per `backups` entry ([name, spec lines]).
 */
export async function openTwoNodeWorkspace(
  prefix: string,
  seed: { database: string; rows: number },
  backups: ReadonlyArray<readonly [name: string, spec: string]>,
): Promise<{ source: TestCluster; target: TestCluster; catalog: TestCluster }> {
  const [source, target, catalog] = await Promise.all([startTestCluster(), startTestCluster(), startTestCluster()]);
  await seedDatabase(source.config, seed.database, seed.rows);
  await openWorkspace(prefix, catalog);
  writeConfig(configDir, {
    'server.yaml': serverDoc('backup01', join(work, 'cron', 'pgbackops'), join(work, 'backups')),
    'nodes.yaml': [clusterNodeDoc('pg1', source), clusterNodeDoc('pg2', target)].join('---\n'),
    'retention.yaml': retentionDoc,
    'backups.yaml': backups.map(([name, spec]) => backupSpecDoc(name, spec)).join('---\n'),
  });
  return { source, target, catalog };
}

/** The built CLI with the workspace's configuration, state directory and catalog. */
export function cli(...args: string[]): Promise<CliResult> {
  return pgbackops([...args, '-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl]);
}

/** The same under a pseudo-terminal (what a TTY shows: progress lines). */
export function cliOnTty(...args: string[]): Promise<{ exitCode: number; output: string }> {
  return pgbackopsOnTty([...args, '-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl]);
}
