// A test file's workspace: a temporary directory with config/ and state/ in it, a catalog database of its own
// on the file's catalog cluster, and the `cli` wrapper that runs the built CLI against all three.
//
// The values are exported as live bindings (`export let`): a test file imports `configDir`, `stateDir`... and
// reads what the last openWorkspace() call of that file set (each test file has its own module instance).
import { join } from 'node:path';
import type pg from 'pg';
import { pgbackops, pgbackopsOnTty, type CliResult } from './cli.js';
import { tempDir } from './config.js';
import type { TestCluster } from './pg-cluster.js';

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

/** The built CLI with the workspace's configuration, state directory and catalog. */
export function cli(...args: string[]): Promise<CliResult> {
  return pgbackops([...args, '-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl]);
}

/** The same under a pseudo-terminal (what a TTY shows: progress lines). */
export function cliOnTty(...args: string[]): Promise<{ exitCode: number; output: string }> {
  return pgbackopsOnTty([...args, '-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl]);
}
