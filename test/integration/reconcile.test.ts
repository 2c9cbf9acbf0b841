// End to end through the built CLI, against a real throwaway PostgreSQL catalog and a real cron.d file:
// validate -> plan -> apply -> plan is empty, and the safety rules around it.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../helpers/pg-cluster.js';
import { pgbackops } from '../helpers/cli.js';
import { basicConfig, writeConfig, type BackupDoc } from '../helpers/config.js';
import { catalogConfig, catalogUrl, cli, configDir, openWorkspace, stateDir, work } from '../helpers/workspace.js';

let cluster: TestCluster;
let cronFile: string;

const defs = (n: number, extra: Partial<BackupDoc> = {}): BackupDoc[] =>
  Array.from({ length: n }, (_, i) => ({ name: `job-${i}`, ...extra }));

async function expectConverged() {
  const plan = await cli('plan', '--detailed-exitcode');
  expect(plan.stderr).toBe('');
  expect(plan.stdout).toContain('No changes.');
  expect(plan.exitCode).toBe(0);
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

/** The managed lines of definitions (the server's own maintain line is not counted). */
function managedLines(): string[] {
  return readFileSync(cronFile, 'utf8').split('\n').filter((l) => l.includes('# pgbackops:') && !l.includes('# pgbackops:@maintain:'));
}

function maintainLines(): string[] {
  return readFileSync(cronFile, 'utf8').split('\n').filter((l) => l.includes('# pgbackops:@maintain:'));
}

beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

beforeEach(async () => {
  await openWorkspace('reconcile', cluster);
  cronFile = join(work, 'cron', 'pgbackops');
  // A fresh catalog database per test, so tests do not see each other's objects.
});

describe('validate / plan / apply', () => {
  it('creates everything, then the next plan is empty and a second apply changes nothing', async () => {
    writeConfig(configDir, basicConfig(cronFile, defs(3)));
    expect((await cli('validate')).exitCode).toBe(0);

    const plan = await cli('plan', '--detailed-exitcode');
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toContain('+ Backup job-0');
    expect(plan.stdout).toContain('Plan: 6 to create, 0 to update, 0 to delete; schedule: 4 to add, 0 to change, 0 to remove.');
    expect(plan.stdout).toMatch(/\+ @maintain  \S+ \* \* \* \*  \(maintenance newly scheduled here\)/);

    const apply = await cli('apply', '--yes');
    expect(apply.stderr).toBe('');
    expect(apply.exitCode).toBe(0);
    expect(apply.stdout).toContain('Apply complete');
    expect(managedLines()).toHaveLength(3);
    expect(maintainLines()).toHaveLength(1);
    await expectConverged();

    const again = await cli('apply', '--yes');
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain('No changes.');
    const history = await catalogQuery<{ n: string }>('select count(*) as n from pgbackops.apply_history');
    expect(Number(history[0]!.n)).toBe(1);
  });

  it('updates a changed definition and its schedule line only', async () => {
    writeConfig(configDir, basicConfig(cronFile, defs(3)));
    await cli('apply', '--yes');
    const before = managedLines();
    writeConfig(configDir, basicConfig(cronFile, [{ name: 'job-0' }, { name: 'job-1', schedule: '5 4 * * *' }, { name: 'job-2' }]));
    const plan = await cli('plan', '--detailed-exitcode');
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toContain('~ Backup job-1');
    expect(plan.stdout).toMatch(/resolvedSchedule: "41 1 \* \* \*" -> "5 4 \* \* \*"/);
    expect(plan.stdout).toContain('Plan: 0 to create, 1 to update, 0 to delete; schedule: 0 to add, 1 to change, 0 to remove.');
    expect((await cli('apply', '--yes')).exitCode).toBe(0);
    const after = managedLines();
    expect(after.find((l) => l.includes('job-1'))).toMatch(/^5 4 \* \* \* /);
    expect(after.filter((l) => !l.includes('job-1'))).toEqual(before.filter((l) => !l.includes('job-1')));
    await expectConverged();
  });

  it('a definition rewritten in the catalog behind the load cache (same name, another spec and hash) shows in the plan', async () => {
    writeConfig(configDir, basicConfig(cronFile, defs(2)));
    await cli('apply', '--yes');
    await expectConverged(); // the configuration's load is now in the cache, and the next plan takes it from there
    // What another writer of the catalog (another build, a hand edit) could leave: the row says another schedule.
    await catalogQuery(`update pgbackops.definitions set spec = jsonb_set(spec, '{resolvedSchedule}', '"7 7 * * *"'), spec_hash = md5(name) where name = 'job-1'`);
    const cached = await cli('plan', '--detailed-exitcode', '--log-level', 'info');
    const reference = await cli('plan', '--detailed-exitcode', '--no-cache');
    expect(cached.stderr).toMatch(/"validationCached":true/);
    expect(cached.exitCode).toBe(2);
    expect(cached.stdout).toContain('~ Backup job-1');
    expect(cached.stdout).toMatch(/resolvedSchedule: "7 7 \* \* \*" -> "41 1 \* \* \*"/);
    expect(cached.stdout).toBe(reference.stdout);
    expect((await cli('apply', '--yes')).exitCode).toBe(0);
    await expectConverged();
  });

  it('takes disabled definitions and stopped nodes off the schedule but keeps them in the catalog', async () => {
    writeConfig(configDir, basicConfig(cronFile, [{ name: 'job-0' }, { name: 'job-1', enabled: false }]));
    await cli('apply', '--yes');
    expect(managedLines().map((l) => l.split('# pgbackops:')[1]!.split(':')[0])).toEqual(['job-0']);
    await expectConverged();

    writeConfig(configDir, basicConfig(cronFile, [{ name: 'job-0' }, { name: 'job-1', enabled: false }], 'stopped'));
    // Stopping the only node leaves every database without a backup: the mass-delete brake asks for consent.
    const braked = await cli('apply', '--yes');
    expect(braked.exitCode).toBe(1);
    expect(braked.stderr + braked.stdout).toContain('E_MASS_DELETE');
    expect(managedLines()).toHaveLength(1);
    expect((await cli('apply', '--yes', '--allow-mass-delete')).exitCode).toBe(0);
    expect(managedLines()).toEqual([]);
    expect(maintainLines()).toHaveLength(1); // the server still has backups to keep in order
    const rows = await catalogQuery<{ name: string }>('select name from pgbackops.definitions order by name');
    expect(rows.map((r) => r.name)).toEqual(['job-0', 'job-1']);
    await expectConverged();
  });

  it('restores a hand-edited, a deleted and a copied managed line (drift) and leaves nothing else', async () => {
    writeConfig(configDir, basicConfig(cronFile, defs(3)));
    await cli('apply', '--yes');
    const original = readFileSync(cronFile, 'utf8');
    const lines = original.split('\n');
    const i0 = lines.findIndex((l) => l.includes('pgbackops:job-0:'));
    const i1 = lines.findIndex((l) => l.includes('pgbackops:job-1:'));
    const i2 = lines.findIndex((l) => l.includes('pgbackops:job-2:'));
    const edited = [...lines];
    edited[i0] = edited[i0]!.replace(/^41 1/, '0 12');
    edited.splice(i1, 1, lines[i2]!); // job-1 deleted, job-2 copied in its place
    writeFileSync(cronFile, edited.join('\n'));

    const plan = await cli('plan', '--detailed-exitcode');
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toContain('[drift]');
    expect(plan.stdout).toMatch(/~ job-0 .*line edited by hand/);
    expect(plan.stdout).toMatch(/\+ job-1 .*restoring/);
    expect(plan.stdout).toMatch(/- job-2 .*duplicate/);
    expect((await cli('apply', '--yes')).exitCode).toBe(0);
    expect(readFileSync(cronFile, 'utf8')).toBe(original);
    await expectConverged();
  });

  it('shows a line added by hand to its cron.d file in the plan before apply removes it (the file is wholly its own)', async () => {
    writeConfig(configDir, basicConfig(cronFile, defs(1)));
    await cli('apply', '--yes');
    const original = readFileSync(cronFile, 'utf8');
    expect(original.split('\n')[0]).toMatch(/pgbackops/); // the header that claims the whole file
    const foreign = '15 3 * * * root /usr/local/bin/cleanup-tmp';
    writeFileSync(cronFile, `${original}${foreign}\n`);

    const plan = await cli('plan', '--detailed-exitcode');
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toContain(`~ unknown line in the managed content: ${JSON.stringify(foreign)} [drift]`);
    expect(plan.stdout).toMatch(/1 file problem\(s\) to fix/);
    expect((await cli('apply', '--yes')).exitCode).toBe(0);
    expect(readFileSync(cronFile, 'utf8')).toBe(original);
    await expectConverged();
  });

  it('blocks deleting a definition with backups until --prune, and keeps it scheduled meanwhile', async () => {
    writeConfig(configDir, basicConfig(cronFile, defs(5)));
    await cli('apply', '--yes');
    await catalogQuery(`insert into pgbackops.backup_runs (id, definition, node, backup_server, database, status, started_at, finished_at)
      values (gen_random_uuid(), 'job-4', 'pg1', 'backup01', 'app', 'succeeded', now(), now())`);
    writeConfig(configDir, basicConfig(cronFile, defs(4)));

    const plan = await cli('plan', '--detailed-exitcode');
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toMatch(/! Backup job-4: delete blocked: 1 backup\(s\).*--prune/);
    expect(plan.stdout).toContain('1 blocked');
    expect((await cli('apply', '--yes')).exitCode).toBe(0);
    expect(managedLines().some((l) => l.includes('pgbackops:job-4:'))).toBe(true);

    expect((await cli('apply', '--yes', '--prune')).exitCode).toBe(0);
    expect(managedLines().some((l) => l.includes('pgbackops:job-4:'))).toBe(false);
    const runs = await catalogQuery<{ n: string }>(`select count(*) as n from pgbackops.backup_runs where definition = 'job-4'`);
    expect(Number(runs[0]!.n)).toBe(1); // the backup itself is kept until its retention expires it
    const overrides = await catalogQuery<{ overrides: string[] }>('select overrides from pgbackops.apply_history order by id desc limit 1');
    expect(overrides[0]!.overrides).toEqual(['prune']);
    await expectConverged();
  });

  it('refuses a mass deletion unless --allow-mass-delete, and records the override', async () => {
    writeConfig(configDir, basicConfig(cronFile, defs(4)));
    await cli('apply', '--yes');
    writeConfig(configDir, basicConfig(cronFile, defs(1)));
    const plan = await cli('plan', '--detailed-exitcode');
    expect(plan.exitCode).toBe(1);
    expect(plan.stdout).toContain('E_MASS_DELETE');
    const refused = await cli('apply', '--yes');
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/deletes 3 of 4 backup definitions/);
    expect(managedLines()).toHaveLength(4);

    expect((await cli('apply', '--yes', '--allow-mass-delete')).exitCode).toBe(0);
    expect(managedLines()).toHaveLength(1);
    const overrides = await catalogQuery<{ overrides: string[] }>('select overrides from pgbackops.apply_history order by id desc limit 1');
    expect(overrides[0]!.overrides).toEqual(['allow-mass-delete']);
    await expectConverged();
  });

  it('changes nothing when the configuration is invalid', async () => {
    writeConfig(configDir, basicConfig(cronFile, defs(2)));
    await cli('apply', '--yes');
    const cron = readFileSync(cronFile, 'utf8');
    const version = await catalogQuery<{ version: string }>('select version from pgbackops.catalog_state');
    writeConfig(configDir, basicConfig(cronFile, [{ name: 'job-0', schedule: '61 * * * *' }, { name: 'job-1', node: 'nope' }]));
    const apply = await cli('apply', '--yes');
    expect(apply.exitCode).toBe(1);
    expect(apply.stderr).toMatch(/backups\.yaml:\d+:\d+: error E_CRON_INVALID/);
    expect(apply.stderr).toMatch(/backups\.yaml:\d+:\d+: error E_REF_UNKNOWN_NODE/);
    expect(readFileSync(cronFile, 'utf8')).toBe(cron);
    expect(await catalogQuery('select version from pgbackops.catalog_state')).toEqual(version);
    // plan opens the catalog while it loads the configuration: the configuration's errors still come first,
    // and without waiting for a catalog that does not answer.
    const plan = await cli('plan');
    expect(plan.exitCode).toBe(1);
    expect(plan.stderr).toMatch(/backups\.yaml:\d+:\d+: error E_CRON_INVALID/);
    const unreachable = await pgbackops(['plan', '-c', configDir, '--state-dir', stateDir, '--catalog', 'postgresql://pgbackops@127.0.0.1:1/nothing']);
    expect(unreachable.exitCode).toBe(1);
    expect(unreachable.stderr).toMatch(/backups\.yaml:\d+:\d+: error E_CRON_INVALID/);
    expect(unreachable.stderr).not.toMatch(/E_CATALOG_UNAVAILABLE|cannot open the catalog/);
  });
});

describe('saved plans', () => {
  it('applies exactly a saved plan, and refuses it once anything moved', async () => {
    writeConfig(configDir, basicConfig(cronFile, defs(2)));
    const planFile = join(work, 'plan.json');
    const plan = await cli('plan', '--out', planFile);
    expect(plan.exitCode).toBe(0);
    const saved = JSON.parse(readFileSync(planFile, 'utf8'));
    expect(saved.format_version).toBe('1');
    expect(typeof saved.pgbackops_version).toBe('string');
    expect((await cli('apply', planFile)).exitCode).toBe(0);
    await expectConverged();

    // Stale because the catalog moved: make a plan, then let another apply change the catalog.
    writeConfig(configDir, basicConfig(cronFile, defs(3)));
    await cli('plan', '--out', planFile);
    expect((await cli('apply', '--yes')).exitCode).toBe(0);
    const stale = await cli('apply', planFile);
    expect(stale.exitCode).toBe(1);
    expect(stale.stderr).toMatch(/E_PLAN_STALE.*catalog version/);

    // Stale because the schedule was edited by hand after planning.
    writeConfig(configDir, basicConfig(cronFile, defs(3, { schedule: '1 2 * * *' })));
    await cli('plan', '--out', planFile);
    writeFileSync(cronFile, readFileSync(cronFile, 'utf8').replace('41 1 * * *', '42 1 * * *'));
    const staleSchedule = await cli('apply', planFile);
    expect(staleSchedule.exitCode).toBe(1);
    expect(staleSchedule.stderr).toMatch(/schedule content/);
  });

  it('prints the plan as JSON with a format version', async () => {
    writeConfig(configDir, basicConfig(cronFile, defs(1)));
    const res = await cli('plan', '--json');
    const json = JSON.parse(res.stdout);
    expect(json.format_version).toBe('1');
    expect(json.changes).toBe(true);
    expect(json.plan.summary).toMatchObject({ create: 4, schedule_add: 2 }); // the definition's line and the server's maintain line
    expect(json.plan.object_actions[0]).toMatchObject({ op: 'create', kind: 'Retention', name: 'standard' });
  });
});

describe('concurrency and crashes', () => {
  it('two appliers racing: both finish, one applies, the catalog and schedule hold each object once', async () => {
    writeConfig(configDir, basicConfig(cronFile, defs(50)));
    const [a, b] = await Promise.all([cli('apply', '--yes'), cli('apply', '--yes')]);
    expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
    expect([a.stdout, b.stdout].filter((s) => s.includes('Apply complete'))).toHaveLength(1);
    expect(managedLines()).toHaveLength(50);
    const history = await catalogQuery<{ n: string }>('select count(*) as n from pgbackops.apply_history');
    expect(Number(history[0]!.n)).toBe(1);
    await expectConverged();
  });

  it('an apply killed at random points is healed by the next apply (20 trials)', async () => {
    const { spawnPgbackops } = await import('../helpers/cli.js');
    for (let trial = 0; trial < 20; trial++) {
      // Alternate between two configurations so every trial has real work to interrupt.
      const count = trial % 2 === 0 ? 120 : 80;
      writeConfig(configDir, basicConfig(cronFile, defs(count, { schedule: `${trial} 3 * * *` })));
      const child = spawnPgbackops(['apply', '--yes', '--allow-mass-delete', '-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl]);
      await new Promise((r) => setTimeout(r, 150 + Math.floor(Math.random() * 900)));
      child.kill('SIGKILL');
      await child;
      const heal = await cli('apply', '--yes', '--allow-mass-delete');
      expect(heal.exitCode, heal.stderr).toBe(0);
      await expectConverged();
      const names = managedLines().map((l) => l.split('# pgbackops:')[1]!.split(':')[0]);
      expect(new Set(names).size).toBe(names.length);
      expect(names).toHaveLength(count);
      const defsInCatalog = await catalogQuery<{ n: string }>('select count(*) as n from pgbackops.definitions');
      expect(Number(defsInCatalog[0]!.n)).toBe(count);
      expect(existsSync(cronFile)).toBe(true);
    }
  }, 480_000); // 20 trials of four whole processes each

  it('a kill between the catalog commit and the schedule write is healed', async () => {
    writeConfig(configDir, basicConfig(cronFile, defs(3)));
    const crashed = await pgbackops(['apply', '--yes', '-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl], { PGBACKOPS_FAILPOINT: 'after-catalog-commit' });
    expect(crashed.exitCode).not.toBe(0);
    expect(existsSync(cronFile)).toBe(false);
    const plan = await cli('plan', '--detailed-exitcode');
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toContain('schedule: 4 to add');
    expect((await cli('apply', '--yes')).exitCode).toBe(0);
    expect(managedLines()).toHaveLength(3);
    await expectConverged();
  });
});
