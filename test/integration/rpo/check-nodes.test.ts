// `plan --check-nodes` against a real node: the databases no scheduled definition backs up after the plan
// (text and JSON, the same list as `status`), an unreachable node said as such, and the mass-delete brake
// counting the node's databases when disabling a catch-all definition would leave most of them without a backup.
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { applyConverged, pgbackops } from '../../helpers/cli.js';
import { backupDoc, clusterNodeDoc, retentionDoc, serverDoc, tempDir, writeConfig } from '../../helpers/config.js';

let cluster: TestCluster;
let configDir: string;
let stateDir: string;
let catalogUrl: string;
let cronFile: string;
/** Every database of the node a `databases: all` definition backs up, as PostgreSQL lists them. */
let nodeDatabases: string[];

const LISTED = ['a', 'b', 'c', 'd'];
const cli = (...args: string[]) => pgbackops([...args, '-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl, '--server', 'backup01']);

function config(catchAll: boolean): Record<string, string> {
  const unreachable = `apiVersion: pgbackops/v1
kind: Node
metadata: { name: pg2 }
spec: { host: 127.0.0.1, port: 1, user: postgres, backupServer: backup01 }
`;
  return {
    'servers.yaml': serverDoc('backup01', cronFile),
    'nodes.yaml': `${clusterNodeDoc('pg1', cluster)}---\n${unreachable}`,
    'retention.yaml': retentionDoc,
    'backups.yaml': [
      ...LISTED.map((db) => backupDoc({ name: `${db}-nightly`, databases: `[${db}]`, schedule: '0 2 * * *' })),
      backupDoc({ name: 'everything', databases: 'all', schedule: '0 3 * * 0', enabled: catchAll }),
    ].join('---\n'),
  };
}

beforeAll(async () => {
  cluster = await startTestCluster();
  for (const db of [...LISTED, 'scratch']) await cluster.createDatabase(db);
  catalogUrl = cluster.urlFor(await cluster.createDatabase());
  const admin = new pg.Client(cluster.adminConfig);
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>('select datname from pg_database where datallowconn and not datistemplate');
    nodeDatabases = rows.map((r) => r.datname).sort();
  } finally {
    await admin.end();
  }
  const work = tempDir('check-nodes');
  configDir = join(work, 'config');
  stateDir = join(work, 'state');
  cronFile = join(work, 'cron', 'pgbackops');
});
afterAll(async () => {
  await cluster?.stop();
});

describe('plan --check-nodes', () => {
  it('lists the databases without a backup, and the brake counts them', async () => {
    writeConfig(configDir, config(true));
    await applyConverged(cli);
    const unlisted = nodeDatabases.filter((db) => !LISTED.includes(db));
    expect(unlisted).toContain('scratch');

    const covered = await cli('plan', '--check-nodes', '--detailed-exitcode');
    expect(covered.exitCode).toBe(0);
    expect(covered.stdout).toContain('Databases without a backup after this plan (--check-nodes):\n  pg1: every database has a backup\n  pg2: unreachable: ');
    // Without the flag, the plan asks no node.
    expect((await cli('plan')).stdout).not.toContain('--check-nodes');

    // Disabling the catch-all: by what the configuration names, 1 of 5 units (under the 25 % brake) ...
    writeConfig(configDir, config(false));
    const unchecked = await cli('plan');
    expect(unchecked.exitCode).toBe(0);
    expect(unchecked.stdout).not.toContain('Refused');
    // ... but the node holds more than the lists name: every unlisted database loses its only backup.
    const checked = await cli('plan', '--check-nodes');
    expect(checked.exitCode).toBe(1);
    const share = Math.round((unlisted.length / nodeDatabases.length) * 100);
    expect(checked.stdout).toContain(`Refused (E_MASS_DELETE): this revision leaves ${unlisted.length} of ${nodeDatabases.length} databases that have a backup (${share} %, above the 25 % brake) without a scheduled backup: `);
    expect(checked.stdout).toContain(`  pg1: ${unlisted.map((db) => `${db} [no backup after this apply]`).join(', ')}\n`);

    const json = JSON.parse((await cli('plan', '--check-nodes', '--allow-mass-delete', '--json')).stdout) as { plan: { refusal?: unknown; node_coverage: unknown[] } };
    expect(json.plan.refusal).toBeUndefined();
    expect(json.plan.node_coverage).toEqual([
      { node: 'pg1', reachable: true, error: null, uncovered: unlisted, left_uncovered: unlisted },
      { node: 'pg2', reachable: false, error: expect.stringMatching(/ECONNREFUSED|refused/), uncovered: [], left_uncovered: [] },
    ]);

    await applyConverged(cli, '--allow-mass-delete');
    // Applied: still without a backup, no longer "left" by this plan; status lists the same databases.
    const after = await cli('plan', '--check-nodes', '--detailed-exitcode');
    expect(after.exitCode).toBe(0);
    expect(after.stdout).toContain(`  pg1: ${unlisted.join(', ')}\n`);
    const status = JSON.parse((await cli('status', '--json')).stdout) as { nodes: Array<{ name: string; databases_without_definition: string[] }> };
    expect(status.nodes.find((n) => n.name === 'pg1')?.databases_without_definition).toEqual(unlisted);
  });
});
