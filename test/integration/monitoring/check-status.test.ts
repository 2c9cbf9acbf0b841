// `pgbackops check-status` through the built CLI against a real catalog: Nagios exit codes, one line with
// perfdata, thresholds from the command line or the definition's rpo, the scope flags, and UNKNOWN when the
// catalog cannot be reached.
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { applyConverged, pgbackops } from '../../helpers/cli.js';
import { backupDoc, nodeDoc, retentionDoc, serverDoc, tempDir, writeConfig } from '../../helpers/config.js';

let cluster: TestCluster;
let configDir: string;
let stateDir: string;
let catalogUrl: string;
const NOW = '2026-03-10T12:00:00Z';

const cli = (...args: string[]) => pgbackops([...args, '-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl]);

beforeAll(async () => {
  cluster = await startTestCluster();
  const work = tempDir('check');
  configDir = join(work, 'config');
  stateDir = join(work, 'state');
  const catalogConfig = await cluster.createDatabase();
  catalogUrl = cluster.urlFor(catalogConfig);
  writeConfig(configDir, {
    'servers.yaml': `${serverDoc('backup01', join(work, 'cron'))}---\n${serverDoc('backup02', join(work, 'cron2'))}`,
    'nodes.yaml': [nodeDoc('pg1', 'backup01'), nodeDoc('pg2', 'backup02').replace('status: running }', 'status: running, rpo: 30h }')].join('---\n'),
    'retention.yaml': retentionDoc,
    'backups.yaml': [
      backupDoc({ name: 'fresh', databases: '[a]', schedule: '0 2 * * *' }),
      backupDoc({ name: 'failing', databases: '[b]', schedule: '0 2 * * *' }),
      backupDoc({ name: 'stale', node: 'pg2', databases: '[c]', schedule: '0 2 * * *' }),
      backupDoc({ name: 'off', databases: '[d]', schedule: '0 2 * * *', enabled: false }),
    ].join('---\n'),
  });
  await applyConverged((...a) => cli(...a, '--server', 'backup01'));
  const client = new pg.Client(catalogConfig);
  await client.connect();
  const run = (def: string, node: string, server: string, status: string, started: string) => client.query(
    `insert into pgbackops.backup_runs (definition, node, backup_server, database, status, started_at, finished_at, bytes)
     values ($1, $2, $3, 'x', $4, $5::timestamptz - interval '2 minutes', $5::timestamptz, 1000)`, [def, node, server, status, started]);
  await run('fresh', 'pg1', 'backup01', 'succeeded', '2026-03-10T02:00:00Z');
  await run('failing', 'pg1', 'backup01', 'succeeded', '2026-03-09T02:00:00Z');
  await run('failing', 'pg1', 'backup01', 'failed', '2026-03-10T02:00:00Z');
  // Last success 58 h before NOW; pg2's rpo of 30h makes that CRITICAL.
  await run('stale', 'pg2', 'backup02', 'succeeded', '2026-03-08T02:00:00Z');
  await client.end();
});
afterAll(async () => {
  await cluster?.stop();
});

describe('check-status', () => {
  it('is OK for a fresh definition, with perfdata', async () => {
    const r = await cli('check-status', '--definition', 'fresh', '--now', NOW);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe("PGBACKOPS OK - 0 critical, 0 warning, 1 ok of 1 definition(s) (definition fresh) | 'definitions'=1;;;0 'ok'=1;;;0 'warning'=0;;;0 'critical'=0;;;0 'never_succeeded'=0;;;0 'oldest_success_age'=36000s;;;0 'fresh_age'=36000s;;;0");
  });

  it('is WARNING for a failing definition and past --warning', async () => {
    const failing = await cli('check-status', '--definition', 'failing', '--now', NOW);
    expect(failing.exitCode).toBe(1);
    expect(failing.stdout).toMatch(/^PGBACKOPS WARNING - 0 critical, 1 warning, 0 ok of 1 definition\(s\) \(definition failing\): failing is failing: /);
    const old = await cli('check-status', '--definition', 'fresh', '--warning', '5h', '--now', NOW);
    expect(old.exitCode).toBe(1);
    expect(old.stdout).toContain("fresh last succeeded 10 h ago (warning after 5 h)");
    expect(old.stdout).toContain("'fresh_age'=36000s;18000;;0");
  });

  it('is CRITICAL past the rpo of the node, or past --critical; scopes by node and server', async () => {
    const all = await cli('check-status', '--now', NOW);
    expect(all.exitCode).toBe(2);
    expect(all.stdout).toMatch(/^PGBACKOPS CRITICAL - 1 critical, 1 warning, 2 ok of 4 definition\(s\) \(all\): stale last succeeded 58 h ago \(critical after 30 h\); failing is failing/);
    const node = await cli('check-status', '--node', 'pg1', '--now', NOW);
    expect(node.exitCode).toBe(1);
    const server = await cli('check-status', '--server', 'backup01', '--critical', '20h', '--now', NOW);
    expect(server.exitCode).toBe(2);
    expect(server.stdout).toContain('failing last succeeded 34 h ago (critical after 20 h)');
    expect(server.stdout).not.toContain('stale');
    const json = JSON.parse((await cli('check-status', '--server', 'backup02', '--json', '--now', NOW)).stdout) as { state: string; definitions: Array<{ name: string; state: string; critical_seconds: number }> };
    expect(json.state).toBe('CRITICAL');
    expect(json.definitions).toEqual([expect.objectContaining({ name: 'stale', state: 'CRITICAL', critical_seconds: 30 * 3600 })]);
  });

  it('is UNKNOWN for an unknown definition and when the catalog is unreachable', async () => {
    const none = await cli('check-status', '--definition', 'nope', '--now', NOW);
    expect(none.exitCode).toBe(3);
    expect(none.stdout).toContain('PGBACKOPS UNKNOWN - no backup definition matches definition nope');
    const down = await pgbackops(['check-status', '--catalog', 'postgresql://nobody@127.0.0.1:1/none?connect_timeout=2', '--state-dir', stateDir]);
    expect(down.exitCode).toBe(3);
    expect(down.stdout).toMatch(/^PGBACKOPS UNKNOWN - /);
  });
});
