// What `apply` reports about its outcome, through the built CLI against a real catalog and cron.d file:
// - an apply that holds an action back (a delete that needs --prune) never reads as a complete apply: the
//   text, --json, `catalog status` and `apply --detailed-exitcode` all say it;
// - a catalog connection lost just after the commit is not a failure (the session lock ended with its
//   session), while one lost before the commit still fails, changes nothing and is healed by the next apply.
import { MAINTAIN_ENTRY } from '../../src/core/schedule/entry.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../helpers/pg-cluster.js';
import { applyConverged, pgbackops, spawnPgbackops } from '../helpers/cli.js';
import { basicConfig, tempDir, writeConfig, type BackupDoc } from '../helpers/config.js';

let cluster: TestCluster;
let configDir: string;
let cronFile: string;
let stateDir: string;
let catalogUrl: string;
let catalogConfig: pg.ClientConfig;

const defs = (n: number): BackupDoc[] => Array.from({ length: n }, (_, i) => ({ name: `job-${i}` }));

async function cli(...args: string[]) {
  return pgbackops([...args, '-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl]);
}

async function catalogQuery<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client(catalogConfig);
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** The definitions the cron.d file schedules (its server's maintain line left out). */
function managedNames(): string[] {
  if (!existsSync(cronFile)) return [];
  return readFileSync(cronFile, 'utf8').split('\n').filter((l) => l.includes('# pgbackops:')).map((l) => l.split('# pgbackops:')[1]!.split(':')[0]!)
    .filter((name) => name !== MAINTAIN_ENTRY);
}

beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(async () => {
  await cluster?.stop();
});
beforeEach(async () => {
  const work = tempDir('apply-outcome');
  configDir = join(work, 'config');
  cronFile = join(work, 'cron', 'pgbackops');
  stateDir = join(work, 'state');
  catalogConfig = await cluster.createDatabase();
  catalogUrl = cluster.urlFor(catalogConfig);
});

describe('an apply that holds an action back', () => {
  it('says so, records the revision as partially applied, and exits 2 with --detailed-exitcode until --prune', async () => {
    writeConfig(configDir, basicConfig(cronFile, defs(5)));
    const first = await applyConverged(cli, '--detailed-exitcode');
    expect(first.stdout).toContain('Apply complete');
    await catalogQuery(`insert into pgbackops.backup_runs (id, definition, node, backup_server, database, status, started_at, finished_at)
      values (gen_random_uuid(), 'job-4', 'pg1', 'backup01', 'app', 'succeeded', now(), now())`);
    writeConfig(configDir, basicConfig(cronFile, defs(4)));

    // Without the flag the exit code stays 0 (the apply did what it may), but nothing says "complete".
    const held = await cli('apply', '--yes');
    expect(held.exitCode, held.stderr).toBe(0);
    expect(held.stdout).not.toContain('Apply complete');
    expect(held.stdout).toMatch(/Applied with 1 action\(s\) held back \(needs --prune\)/);
    expect(held.stdout).toMatch(/held back: delete Backup job-4: 1 backup\(s\)/);
    expect(managedNames()).toContain('job-4');

    // What is left is exactly the held-back delete.
    const plan = await cli('plan', '--detailed-exitcode');
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toContain('Plan: 0 to create, 0 to update, 0 to delete, 1 blocked; schedule: 0 to add, 0 to change, 0 to remove.');

    // The catalog knows the revision was applied only partially.
    const status = await cli('catalog', 'status');
    expect(status.stdout).toMatch(/Last applied revision: [0-9a-f]+ \(partially: 1 action\(s\) held back, needs --prune\)/);
    expect(status.stdout).toContain('delete Backup job-4');
    const statusJson = JSON.parse((await cli('catalog', 'status', '--json')).stdout);
    expect(statusJson.last_apply_complete).toBe(false);
    expect(statusJson.last_apply_held_back).toEqual([expect.objectContaining({ op: 'delete', kind: 'Backup', name: 'job-4' })]);

    // Again, for CI: the same revision, nothing to apply, still held back.
    const again = await cli('apply', '--yes', '--detailed-exitcode');
    expect(again.exitCode).toBe(2);
    expect(again.stdout).toMatch(/Nothing applied; 1 action\(s\) held back \(needs --prune\)/);
    const json = await cli('apply', '--yes', '--json', '--detailed-exitcode');
    expect(json.exitCode).toBe(2);
    const outcome = JSON.parse(json.stdout);
    expect(outcome.converged).toBe(false);
    expect(outcome.held_back).toEqual([expect.objectContaining({ op: 'delete', kind: 'Backup', name: 'job-4' })]);

    // With consent the delete goes through: converged, exit 0, and the catalog says complete.
    const pruned = await applyConverged(cli, '--prune', '--detailed-exitcode');
    expect(pruned.stdout).toContain('Apply complete');
    expect(managedNames()).not.toContain('job-4');
    const after = JSON.parse((await cli('catalog', 'status', '--json')).stdout);
    expect(after.last_apply_complete).toBe(true);
    expect(after.last_apply_held_back).toEqual([]);
    const converged = JSON.parse((await cli('apply', '--yes', '--json', '--detailed-exitcode')).stdout);
    expect(converged).toMatchObject({ converged: true, held_back: [] });

    // An error is 1, as without the flag.
    writeConfig(configDir, basicConfig(cronFile, [{ name: 'job-0', schedule: '61 * * * *' }]));
    const invalid = await cli('apply', '--yes', '--detailed-exitcode');
    expect(invalid.exitCode).toBe(1);
    expect(invalid.stderr).toContain('E_CRON_INVALID');
  }, 120_000);

});

/** Waits until the process is stopped (SIGSTOP by a `:stop` failpoint): state T in /proc/PID/stat. */
async function waitStopped(pid: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('T')) return;
    if (Date.now() > deadline) throw new Error(`process ${pid} never reached its failpoint`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Terminates every catalog session of pgbackops processes (as a failing network or a DBA would). */
async function dropPgbackopsSessions(): Promise<number> {
  // Selected first, terminated after: in one WHERE clause the planner may call pg_terminate_backend first.
  const killed = await catalogQuery<{ pid: number }>(
    `with victims as materialized (
       select pid from pg_stat_activity
        where datname = current_database() and application_name = 'pgbackops' and pid <> pg_backend_pid()
     )
     select pid from victims where pg_terminate_backend(pid)`,
  );
  for (;;) {
    const left = await catalogQuery<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = 'pgbackops'`,
    );
    if (left[0]!.n === 0) return killed.length;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs apply stopped at a failpoint, drops its catalog sessions there, and lets it go on. */
async function applyWithSessionsDroppedAt(point: string) {
  const child = spawnPgbackops(['apply', '--yes', '-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl], {
    PGBACKOPS_FAILPOINT: `${point}:stop`,
  });
  await waitStopped(child.pid!);
  const dropped = await dropPgbackopsSessions();
  process.kill(child.pid!, 'SIGCONT');
  const result = await child;
  return { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr), dropped };
}

describe('the catalog connection lost around the commit', () => {
  it('just after the commit: exit 0, everything converged (repeated)', async () => {
    for (let round = 0; round < 3; round++) {
      writeConfig(configDir, basicConfig(cronFile, defs(3 + round)));
      const apply = await applyWithSessionsDroppedAt('after-catalog-commit');
      expect(apply.dropped).toBeGreaterThan(0);
      expect(apply.exitCode, apply.stderr).toBe(0);
      expect(apply.stdout).toContain('Apply complete');
      expect(managedNames()).toHaveLength(3 + round);
      const plan = await cli('plan', '--detailed-exitcode');
      expect(plan.exitCode, plan.stdout + plan.stderr).toBe(0);
      // The lock went with its session: the next apply takes it at once.
      expect((await cli('apply', '--yes', '--lock-timeout', '5')).exitCode).toBe(0);
    }
  }, 180_000);

  it('before the commit: exit 1 saying nothing was applied, nothing changed, the next apply heals', async () => {
    writeConfig(configDir, basicConfig(cronFile, defs(3)));
    const apply = await applyWithSessionsDroppedAt('before-catalog-commit');
    expect(apply.dropped).toBeGreaterThan(0);
    expect(apply.exitCode).toBe(1);
    expect(apply.stderr).toMatch(/E_CATALOG_CONNECTION_LOST.*before the commit.*nothing was applied/);
    expect(apply.stdout).not.toContain('Apply complete');
    const state = await catalogQuery<{ version: string; last_applied_revision: string | null }>('select version, last_applied_revision from pgbackops.catalog_state');
    expect(state[0]).toEqual({ version: '0', last_applied_revision: null });
    expect(existsSync(cronFile)).toBe(false);
    await applyConverged(cli);
    expect(managedNames()).toHaveLength(3);
  }, 120_000);
});
