// Real failures of real dumps, classified: each test provokes the failure against a live cluster (or, for a
// too-old pg_dump, which needs a server newer than any installed pg_dump, with the one allowed stand-in: a
// script printing pg_dump's own message) and checks the reason classifyFailure gives.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureGlobals } from '../../../src/adapters/postgres/capture-globals.js';
import { nodeClientConfig, toolProcessEnv } from '../../../src/adapters/postgres/node-connection.js';
import { findTool, serverMajor } from '../../../src/adapters/postgres/tools.js';
import { classifyFailure } from '../../../src/core/dump/classify-failure.js';
import { buildDumpCommand } from '../../../src/core/dump/dump-command.js';
import type { NodeSpec } from '../../../src/core/model.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { backup } from '../../unit/dump/fixtures.js';
import { nodeOf, query, runDump } from '../../helpers/pg-tools.js';

let cluster: TestCluster;
let work: string;
const password = `pw-${Math.random().toString(36).slice(2)}`;

beforeAll(async () => {
  cluster = await startTestCluster({ tcp: true, tcpAuth: 'scram-sha-256' });
  work = await mkdtemp(path.join(os.tmpdir(), 'pgbo-fail-'));
  const admin = new pg.Client({ ...cluster.config, host: cluster.socketDir });
  await admin.connect();
  try {
    await admin.query(`CREATE ROLE dumper LOGIN PASSWORD ${pg.escapeLiteral(password)}`);
    await admin.query(`CREATE ROLE no_select LOGIN`);
    await admin.query(`CREATE DATABASE app OWNER dumper`);
    await admin.query(`CREATE DATABASE "ops host=nowhere.invalid 'x'"`);
  } finally {
    await admin.end();
  }
  await query(cluster, 'app', `CREATE TABLE public.big AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 20000) g`);
  await query(cluster, 'app', `CREATE TABLE public.secrets (k text)`);
  await query(cluster, 'app', `ALTER TABLE public.big OWNER TO dumper`);
  await query(cluster, 'app', `GRANT SELECT ON public.secrets TO dumper`);
});

afterAll(async () => {
  await cluster?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The Node as reached over TCP with password authentication. */
function tcpNode(over: Partial<NodeSpec> = {}): NodeSpec {
  return nodeOf(cluster, { host: '127.0.0.1', user: 'dumper', passfile: path.join(work, 'no-such-passfile'), ...over });
}

async function dumpAndClassify(node: NodeSpec, database: string, opts: Parameters<typeof runDump>[1] = {}, output = path.join(work, `${Math.random()}.dump`)) {
  const result = await runDump(buildDumpCommand(backup(), node, database, output, 15), opts);
  expect(result.exitCode === 0 && !result.signal).toBe(false);
  return classifyFailure({
    exitCode: result.exitCode ?? null,
    signal: result.signal ?? null,
    stderr: String(result.stderr),
    timedOut: Boolean(result.timedOut),
  });
}

async function passfile(line: string): Promise<string> {
  const file = path.join(work, `pgpass-${Math.random().toString(36).slice(2)}`);
  await writeFile(file, `${line}\n`, { mode: 0o600 });
  return file;
}

describe('classified dump failures', () => {
  it('cannot-connect: nothing listens on the socket', async () => {
    const failure = await dumpAndClassify(nodeOf(cluster, { port: cluster.port + 1 }), 'app');
    expect(failure.reason).toBe('cannot-connect');
    expect(failure.detail).toMatch(/failed: No such file or directory Is the server running locally/);
  });

  it('cannot-connect: nothing listens on the TCP port', async () => {
    const failure = await dumpAndClassify(tcpNode({ port: 1 }), 'app');
    expect(failure).toMatchObject({ reason: 'cannot-connect', detail: expect.stringContaining('Connection refused') });
  });

  it('auth-failed: password authentication over TCP without a password', async () => {
    const failure = await dumpAndClassify(tcpNode(), 'app');
    expect(failure).toMatchObject({ reason: 'auth-failed', detail: expect.stringContaining('no password supplied') });
  });

  it('auth-failed: a passfile with the wrong password', async () => {
    const node = tcpNode({ passfile: await passfile(`127.0.0.1:${cluster.port}:*:dumper:wrong-${password}`) });
    const failure = await dumpAndClassify(node, 'app');
    expect(failure).toMatchObject({ reason: 'auth-failed', detail: expect.stringContaining('password authentication failed for user "dumper"') });
  });

  it('the right passfile lets both pg_dump and the pg client in (and nothing else is needed)', async () => {
    const node = tcpNode({ passfile: await passfile(`127.0.0.1:${cluster.port}:*:dumper:${password}`) });
    const output = path.join(work, 'ok.dump');
    const result = await runDump(buildDumpCommand(backup(), node, 'app', output, 15));
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const client = new pg.Client(nodeClientConfig(node, 'app'));
    await client.connect();
    try {
      expect((await serverMajor(client)).major).toBe(15);
    } finally {
      await client.end();
    }
    // Not a superuser: no password hashes, and roles.sql says so.
    const globals = await captureGlobals(node, 'app');
    expect(globals.passwordsCaptured).toBe(false);
    expect(globals.rolesSql).toContain('Passwords were not captured');
    expect(globals.roles).toEqual(expect.arrayContaining(['dumper', 'postgres']));
  });

  it('a PGPASSWORD in the daemon environment does not leak into the dump', async () => {
    const saved = process.env.PGPASSWORD;
    process.env.PGPASSWORD = password;
    try {
      const failure = await dumpAndClassify(tcpNode(), 'app');
      expect(failure.reason).toBe('auth-failed');
      await expect(async () => {
        const client = new pg.Client(nodeClientConfig(tcpNode(), 'app'));
        try {
          await client.connect();
        } finally {
          await client.end().catch(() => undefined);
        }
      }).rejects.toThrow(/no password supplied/);
    } finally {
      if (saved === undefined) delete process.env.PGPASSWORD;
      else process.env.PGPASSWORD = saved;
    }
  });

  it('database-missing', async () => {
    const failure = await dumpAndClassify(nodeOf(cluster), 'nope');
    expect(failure).toMatchObject({ reason: 'database-missing', detail: expect.stringContaining('database "nope" does not exist') });
  });

  it('permission-denied: a role without SELECT on a table', async () => {
    const failure = await dumpAndClassify(nodeOf(cluster, { user: 'no_select' }), 'app');
    expect(failure).toMatchObject({ reason: 'permission-denied', detail: expect.stringMatching(/permission denied for table (big|secrets)/) });
  });

  it('disk-full: the output device is full', async () => {
    const failure = await dumpAndClassify(nodeOf(cluster), 'app', {}, '/dev/full');
    expect(failure).toMatchObject({ reason: 'disk-full', detail: expect.stringContaining('No space left on device') });
  });

  it('timeout and killed: a dump waiting on a locked table', async () => {
    const locker = new pg.Client({ ...cluster.config, host: cluster.socketDir, database: 'app' });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE public.big IN ACCESS EXCLUSIVE MODE');
      expect(await dumpAndClassify(nodeOf(cluster), 'app', { timeout: 1500 })).toEqual({
        reason: 'timeout',
        detail: 'the dump ran past its timeout and was stopped',
      });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 1000);
      // pg_dump catches SIGTERM, says so and exits 1: the message, not the exit status, tells.
      expect(await dumpAndClassify(nodeOf(cluster), 'app', { cancelSignal: controller.signal })).toEqual({
        reason: 'killed',
        detail: 'pg_dump: terminated by user',
      });
      // SIGKILL cannot be caught: the exit status tells.
      expect(await dumpAndClassify(nodeOf(cluster), 'app', { cancelSignal: AbortSignal.timeout(1000), killSignal: 'SIGKILL' })).toEqual({
        reason: 'killed',
        detail: 'the dump was killed by SIGKILL',
      });
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
  });

  it('tool-too-old: the message of a pg_dump older than its server', async () => {
    // Stand-in (the only one): no installed pg_dump is older than the test server, so a script prints what
    // pg_dump 15 prints when it meets a PostgreSQL 16 server, with pg_dump's exit code.
    const bin = await mkdtemp(path.join(work, 'old-bin-'));
    const fake = path.join(bin, 'pg_dump');
    await writeFile(
      fake,
      '#!/bin/sh\necho "pg_dump: error: aborting because of server version mismatch" >&2\necho "pg_dump: detail: server version: 16.4; pg_dump version: 15.18" >&2\nexit 1\n',
    );
    await chmod(fake, 0o755);
    const cmd = buildDumpCommand(backup(), nodeOf(cluster), 'app', path.join(work, 'x.dump'), 15);
    const result = await execa(fake, cmd.args, { env: toolProcessEnv(cmd.env), extendEnv: false, reject: false });
    expect(classifyFailure({ exitCode: result.exitCode ?? null, signal: null, stderr: result.stderr, timedOut: false })).toEqual({
      reason: 'tool-too-old',
      detail: 'pg_dump: error: aborting because of server version mismatch pg_dump: detail: server version: 16.4; pg_dump version: 15.18',
    });
    // And findTool refuses up front when no installed pg_dump is new enough.
    await expect(findTool('pg_dump', 99)).rejects.toThrow(/^pg_dump \d+ cannot dump a PostgreSQL 99 server; install postgresql-client-99 or set spec.pgBinDirs/);
  });
});

describe('pg_dumpall maintenance database', () => {
  it('connects to a maintenance database whose name looks like a connection string', async () => {
    const node = nodeOf(cluster, { maintenanceDatabase: "ops host=nowhere.invalid 'x'" });
    const spec = backup({ type: 'cluster', databases: 'all', format: 'plain', compression: { method: 'none' } });
    const result = await runDump(buildDumpCommand(spec, node, null, path.join(work, 'cluster.sql'), 15));
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  });

  it('a missing maintenance database: pg_dumpall only says it cannot connect, the pg client says why', async () => {
    const node = nodeOf(cluster, { maintenanceDatabase: 'gone' });
    const spec = backup({ type: 'cluster', databases: 'all', format: 'plain', compression: { method: 'none' } });
    const result = await runDump(buildDumpCommand(spec, node, null, path.join(work, 'cluster2.sql'), 15));
    expect(classifyFailure({ exitCode: result.exitCode ?? null, signal: null, stderr: String(result.stderr), timedOut: false })).toEqual({
      reason: 'cannot-connect',
      detail: `pg_dumpall: error: could not connect to database "dbname='gone'"`,
    });
    const client = new pg.Client(nodeClientConfig(node, node.maintenanceDatabase));
    const error = await client.connect().then(
      () => null,
      (err: Error) => err,
    );
    await client.end().catch(() => undefined);
    expect(classifyFailure({ exitCode: null, signal: null, stderr: String(error?.message), timedOut: false }).reason).toBe('database-missing');
  });
});

describe('findTool', () => {
  it('finds the real binaries of the closest major, never the pg_wrapper dispatcher', async () => {
    const dump = await findTool('pg_dump', 10);
    expect(dump).toMatchObject({ path: '/usr/lib/postgresql/15/bin/pg_dump', major: 15, version: expect.stringMatching(/^15\.\d+$/) });
    for (const name of ['pg_dumpall', 'pg_restore', 'psql'] as const) {
      expect((await findTool(name, 15)).path).toBe(`/usr/lib/postgresql/15/bin/${name}`);
    }
    expect(await findTool('pg_dump', 15, { '15': '/usr/lib/postgresql/15/bin' })).toEqual(dump);
  });
});
