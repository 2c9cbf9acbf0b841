// One initialised data directory per vitest run, copied by every test cluster instead of running initdb again.
//
// initdb costs about a second of CPU, and the suite starts about a hundred clusters; a copy costs a tenth of
// that. The template is made by the production code path (src/adapters/postgres/instance.ts: initdb with the
// same arguments, then one start and a clean stop), so a copy is what ensureInstance would have made, except
// that every copy shares the template's system identifier (nothing in the tests compares those across
// clusters). Everything a test cluster varies (port, socket directory, TCP and its authentication) lives in
// pgbackops.conf and pg_hba.conf, which ensureInstance rewrites before every start: one template serves all.
//
// Vitest's global setup of the integration project (vitest.config.ts) makes it in a temporary directory and
// hands its path to the test workers (provide/inject); the teardown removes it. Without it (a helper used
// outside that project) startTestCluster initialises each cluster itself, as before.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureInstance, stopInstance } from '../../src/adapters/postgres/instance.js';
import { runProgram } from '../../src/adapters/os/run-program.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The template data directory (absolute), or '' when none was made. */
    pgClusterTemplate: string;
  }
}

/** Initialises a cluster the way startTestCluster does, stops it cleanly, and returns its data directory. */
export async function makeClusterTemplate(): Promise<{ dataDir: string; remove(): Promise<void> }> {
  const baseDir = await mkdtemp(path.join(os.tmpdir(), 'pgbo-tpl-'));
  // The cluster's user (postgres, when we are root) must be able to enter it, and so must every copy's cp.
  await chmod(baseDir, 0o711);
  const dataDir = path.join(baseDir, 'data');
  const remove = () => rm(baseDir, { recursive: true, force: true });
  try {
    await ensureInstance({ dataDir, socketDir: path.join(baseDir, 'run'), logFile: path.join(baseDir, 'postgres.log'), unsafeNoSync: true });
    // A clean (fast) stop leaves a shut-down checkpoint and no postmaster.pid: each copy starts without recovery.
    await stopInstance(dataDir, 'fast');
  } catch (err) {
    await remove();
    throw err;
  }
  return { dataDir, remove };
}

/**
 * Copies the template to `dataDir` (which must not exist) keeping owners, modes and timestamps (`cp -a`: the
 * data directory stays owned by the instance user and private, 0700, as PostgreSQL requires).
 */
export async function copyClusterTemplate(template: string, dataDir: string): Promise<void> {
  const result = await runProgram('cp', ['-a', '--', template, dataDir]);
  if (result.exitCode !== 0) throw new Error(`copying the test cluster template ${template} to ${dataDir} failed: ${result.stderr.trim()}`);
}

/** Vitest global setup (integration project): makes the template and provides its path to the workers. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const template = await makeClusterTemplate();
  project.provide('pgClusterTemplate', template.dataDir);
  return template.remove;
}
