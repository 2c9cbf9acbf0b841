// libpq parity for connections: the catalog given as a keyword/value string, as service=NAME or through
// PGSERVICE, and a Node given only `service:`, with a real service file pointing at a throwaway cluster's
// socket. pg_dump reads the service file itself; pgbackops' own connections must reach the same server.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyConverged, pgbackops } from '../../helpers/cli.js';
import { retentionDoc, serverDoc, tempDir, writeConfig } from '../../helpers/config.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';

let cluster: TestCluster;
let work: string;
let serviceFile: string;
let catalogDb: string;

beforeAll(async () => {
  cluster = await startTestCluster();
  work = tempDir('service');
  catalogDb = String((await cluster.createDatabase()).database);
  const admin = new pg.Client(cluster.adminConfig);
  await admin.connect();
  await admin.query('create database appdb');
  await admin.end();
  serviceFile = join(work, 'pg_service.conf');
  const socket = `host=${cluster.socketDir}\nport=${cluster.port}\nuser=${String(cluster.config.user)}`;
  writeFileSync(serviceFile, `# test services\n[pgbo-catalog]\n${socket}\ndbname=${catalogDb}\n\n[pgbo-node]\n${socket}\n\n[pgbo-node-with-db]\n${socket}\ndbname=postgres\n`);
});
afterAll(async () => {
  await cluster?.stop();
});

const env = () => ({ PGSERVICEFILE: serviceFile });

describe('the catalog as a libpq connection string', () => {
  it('keyword/value form', async () => {
    const conninfo = `host=${cluster.socketDir} port=${cluster.port} user=${String(cluster.config.user)} dbname=${catalogDb}`;
    const r = await pgbackops(['--state-dir', join(work, 's1'), '--catalog', conninfo, 'catalog', 'status'], env());
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`central catalog`);
    expect(r.exitCode).toBe(0);
  });

  it('service=NAME, from the service file', async () => {
    const r = await pgbackops(['--state-dir', join(work, 's2'), '--catalog', 'service=pgbo-catalog', 'catalog', 'status'], env());
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });

  it('PGSERVICE fills what the connection string leaves out, as in libpq', async () => {
    const r = await pgbackops(['--state-dir', join(work, 's3'), '--catalog', 'postgresql://', 'catalog', 'status'], { ...env(), PGSERVICE: 'pgbo-catalog' });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });

  it('an unknown service: which files were read', async () => {
    const r = await pgbackops(['--state-dir', join(work, 's4'), '--catalog', 'service=nope', 'catalog', 'status'], env());
    expect(r.stderr).toContain(`definition of service "nope" not found (looked in ${serviceFile}`);
    expect(r.exitCode).toBe(1);
  });
});

describe('a Node given only service:', () => {
  const configDir = () => join(work, 'config');
  const stateDir = () => join(work, 'node-state');
  const cli = (...args: string[]) => pgbackops(['-c', configDir(), '--state-dir', stateDir(), '--catalog', 'service=pgbo-catalog', ...args], env());

  function configure(service: string): void {
    writeConfig(configDir(), {
      'server.yaml': serverDoc('backup01', join(work, 'cron', 'pgbackops')).replace('/srv/pgbackops', join(work, 'backups')),
      'node.yaml': `apiVersion: pgbackops/v1\nkind: Node\nmetadata: { name: pg1 }\nspec: { service: ${service}, backupServer: backup01 }\n`,
      'retention.yaml': retentionDoc,
      'backup.yaml': `apiVersion: pgbackops/v1\nkind: Backup\nmetadata: { name: nightly }\nspec: { node: pg1, databases: [appdb], schedule: "41 1 * * *", retention: standard }\n`,
    });
  }

  it('validates, applies, and backs up through the service (pg_dump and pgbackops\' own connections)', async () => {
    configure('pgbo-node');
    await applyConverged(cli);
    const run = await pgbackops(['--state-dir', stateDir(), 'run', 'nightly'], env());
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/nightly appdb: succeeded/);
    expect(run.exitCode).toBe(0);
    const status = await cli('status', '--json');
    // status asks the node for its databases with pgbackops' own (pg) connection, through the service.
    const nodes = (JSON.parse(status.stdout) as { nodes: Array<{ name: string; reachable: boolean; error: string | null }> }).nodes;
    expect(nodes.find((n) => n.name === 'pg1')).toMatchObject({ reachable: true, error: null });
  });

  it('a Node without host and without service is an error', async () => {
    writeConfig(join(work, 'bad'), {
      'node.yaml': `apiVersion: pgbackops/v1\nkind: Node\nmetadata: { name: pg1 }\nspec: { backupServer: backup01 }\n`,
      'server.yaml': serverDoc('backup01', join(work, 'cron', 'pgbackops')),
    });
    const r = await pgbackops(['-c', join(work, 'bad'), 'validate'], env());
    expect(r.stderr).toContain('E_SCHEMA_REQUIRED');
    expect(r.stderr).toContain('host is required unless service');
    expect(r.exitCode).toBe(1);
  });

  it('a service that sets dbname is refused: pg_dump would dump that database instead', async () => {
    configure('pgbo-node-with-db');
    await applyConverged(cli);
    const run = await pgbackops(['--state-dir', stateDir(), 'run', 'nightly'], env());
    expect(`${run.stdout}${run.stderr}`).toContain('sets dbname, which pgbackops sets itself');
    expect(run.exitCode).toBe(1);
  });
});
