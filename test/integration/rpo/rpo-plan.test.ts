// RPO through the built CLI against a real catalog: validate and plan warn (W_RPO_BREACH, at the rpo field),
// --strict refuses, and a plan that changes a schedule, disables a definition, stops a node or deletes a
// definition says what that does to each database's worst case, in text and JSON.
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { applyConverged, pgbackops } from '../../helpers/cli.js';
import { backupDoc, nodeDoc, retentionDoc, serverDoc, tempDir, writeConfig, type BackupDoc } from '../../helpers/config.js';

let cluster: TestCluster;
let configDir: string;
let cronFile: string;
let stateDir: string;
let catalogUrl: string;

const cli = (...args: string[]) => pgbackops([...args, '-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl, '--server', 'backup01']);

function config(o: { orders: string; billingEnabled: boolean; pg2: 'running' | 'stopped'; reports: boolean; rpo?: string }): Record<string, string> {
  const backups: BackupDoc[] = [
    { name: 'orders-nightly', databases: '[orders]', schedule: o.orders },
    { name: 'billing-nightly', databases: '[billing]', schedule: '0 3 * * *', enabled: o.billingEnabled },
    { name: 'pg2-all', node: 'pg2', databases: 'all', schedule: '0 4 * * *' },
  ];
  if (o.reports) backups.push({ name: 'reports-nightly', databases: '[reports]', schedule: '0 5 * * *' });
  const pg1 = nodeDoc('pg1', 'backup01').replace('status: running }', `status: running${o.rpo ? `, rpo: ${o.rpo}` : ''} }`);
  return {
    'servers.yaml': serverDoc('backup01', cronFile),
    'nodes.yaml': `${pg1}---\n${nodeDoc('pg2', 'backup01', o.pg2)}`,
    'retention.yaml': retentionDoc,
    'backups.yaml': backups.map(backupDoc).join('---\n'),
  };
}

beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(async () => {
  await cluster?.stop();
});
beforeEach(async () => {
  const work = tempDir('rpo');
  configDir = join(work, 'config');
  cronFile = join(work, 'cron', 'pgbackops');
  stateDir = join(work, 'state');
  catalogUrl = cluster.urlFor(await cluster.createDatabase());
});

describe('RPO in validate and plan', () => {
  it('shows the effect of a change per database, in text and JSON', async () => {
    writeConfig(configDir, config({ orders: '0 2 * * *', billingEnabled: true, pg2: 'running', reports: true }));
    const first = await cli('plan');
    // A first apply creates everything: nothing existed before, so there is no before to compare with.
    expect(first.stdout).not.toContain('Worst case between backups');
    await applyConverged(cli);

    writeConfig(configDir, config({ orders: '0 2 * * 1-5', billingEnabled: false, pg2: 'stopped', reports: false }));
    // Three of the four units lose every backup while one definition is deleted: the mass-delete brake counts them.
    const braked = await cli('plan', '--prune');
    expect(braked.exitCode).toBe(1);
    expect(braked.stdout).toContain('Refused (E_MASS_DELETE): this revision leaves 3 of 4 databases that have a backup (75 %, above the 25 % brake) without a scheduled backup: billing (node pg1), reports (node pg1), every database of pg2-all (node pg2); if that is intended, apply with --allow-mass-delete');
    const plan = await cli('plan', '--prune', '--allow-mass-delete');
    expect(plan.exitCode).toBe(0);
    expect(plan.stdout).toContain('Worst case between backups after this plan (RPO):');
    expect(plan.stdout).toContain('  ~ orders (node pg1): worst case 24 h → 72 h');
    expect(plan.stdout).toContain('  - billing (node pg1): no backup after this apply (worst case was 24 h)');
    expect(plan.stdout).toContain('  - every database of pg2-all (node pg2): no backup after this apply (worst case was 24 h)');
    expect(plan.stdout).toContain('  - reports (node pg1): no backup after this apply (worst case was 24 h)');

    const json = JSON.parse((await cli('plan', '--prune', '--allow-mass-delete', '--json')).stdout) as { plan: { rpo_effects: unknown[] } };
    expect(json.plan.rpo_effects).toContainEqual({
      node: 'pg1', database: 'orders', definition: null, before_ms: 24 * 3_600_000, after_ms: 72 * 3_600_000, rpo: null, breach: false,
    });
    expect(json.plan.rpo_effects).toHaveLength(4);
    await applyConverged(cli, '--prune', '--allow-mass-delete');
  });

  it('warns about a breach at the rpo field; --strict makes it an error', async () => {
    writeConfig(configDir, config({ orders: '0 2 * * 1-5', billingEnabled: true, pg2: 'running', reports: false, rpo: '26h' }));
    const validate = await cli('validate');
    expect(validate.exitCode).toBe(0);
    expect(validate.stderr).toMatch(/nodes\.yaml:\d+:\d+: warning W_RPO_BREACH: database orders of node pg1: worst case 72 h between backups \(orders-nightly\), longer than rpo 26h/);
    expect(validate.stderr).not.toContain('billing');

    const strict = await cli('validate', '--strict');
    expect(strict.exitCode).toBe(1);
    expect(strict.stderr).toContain('error W_RPO_BREACH');
    expect((await cli('plan', '--strict')).exitCode).toBe(1);
    expect((await cli('apply', '--yes', '--strict')).exitCode).toBe(1);

    // The warning does not block: apply without --strict, and the plan after it is empty.
    await applyConverged(cli);
    // Disabling the only definition of billing breaches too: nothing backs it up any more.
    writeConfig(configDir, config({ orders: '0 2 * * *', billingEnabled: false, pg2: 'running', reports: false, rpo: '26h' }));
    const plan = await cli('plan');
    expect(plan.stderr).toContain('database billing of node pg1 has no scheduled backup');
    expect(plan.stderr).not.toContain('database orders');
    expect(plan.stdout).toContain('  - billing (node pg1): no backup after this apply (worst case was 24 h) [rpo 26h not met]');
    expect(plan.stdout).toContain('  ~ orders (node pg1): worst case 72 h → 24 h');
  });
});
