// Global setup of every test project: one temporary root per test run, removed when the run ends.
//
// Tests make temporary directories with os.tmpdir() (workspaces, backup roots, restored clusters: some hold a
// gigabyte), and the CLI processes they spawn do too. Pointing TMPDIR at a root of this run's own (the forked
// workers and their children inherit it) removes all of them at the end, including what a failed or killed test
// left behind, without every test tracking its own. Set PGBACKOPS_TEST_KEEP_TMP=1 to keep the root for a post-mortem.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  // Both projects (unit, integration) have this setup; the first one's root serves the whole run.
  if (process.env.PGBACKOPS_TEST_RUN_TMP) return () => undefined;
  // Short name: PostgreSQL's socket paths under it must stay within 107 bytes.
  const root = mkdtempSync(join(tmpdir(), 'pgbt-'));
  // What /tmp is: the clusters' and jobs' OS user (postgres) makes its own temporary files here too.
  chmodSync(root, 0o1777);
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = root;
  process.env.PGBACKOPS_TEST_RUN_TMP = root;
  return () => {
    delete process.env.PGBACKOPS_TEST_RUN_TMP;
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    if (process.env.PGBACKOPS_TEST_KEEP_TMP === '1') {
      process.stderr.write(`test temporary files kept in ${root}\n`);
      return;
    }
    rmSync(root, { recursive: true, force: true });
  };
}
