// `pgbackops run` failures through the built CLI, each recorded with its reason: outages of the catalog, a
// database gone, a wrong password, a tool too old, and failures outside the dump tool (permissions, storage).
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { startTestCluster } from '../../helpers/pg-cluster.js';
import { CLI, applyConverged, pgbackopsAsJobUser, spawnPgbackops } from '../../helpers/cli.js';
import { backupRoot, catalog, cli, configDir, node, run, runs, setUp, stateDir, holdDumpLock, useRunFixture, work } from '../../helpers/run-fixture.js';
import { waitFor } from '../../helpers/wait-for.js';

useRunFixture();

describe('run failures and outages', () => {
  // Needs root (to start the job as another user) and a checkout the postgres user can read.
  const postgresCanRunCli = process.getuid?.() === 0 && spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-r', CLI]).status === 0;
  it.skipIf(!postgresCanRunCli)('runs as the scheduler user, as cron would start it, after a root apply', async () => {
    chmodSync(work, 0o711);
    await setUp({ asuser: `databases: [second]\nretention: standard` });
    const result = await execa('runuser', ['-u', 'postgres', '--', process.execPath, CLI, 'run', '--state-dir', stateDir, 'asuser'], { reject: false, env: { NO_COLOR: '1' } });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const [row] = await runs('asuser');
    expect(row).toMatchObject({ status: 'succeeded' });
    expect(statSync(String(row!.directory)).uid).toBe(Number((await execa('id', ['-u', 'postgres'])).stdout));
  });

  it('reports a database that disappeared since the last run of databases: all, once', async () => {
    const admin = new pg.Client(node.adminConfig);
    await admin.connect();
    await admin.query('create database doomed');
    try {
      await setUp({ every: 'databases: all\nexclude: [scratch, postgres]\ntype: schema\nretention: standard' });
      expect((await run('every')).exitCode).toBe(0);
      await admin.query('drop database doomed');
      const second = await run('every');
      expect(second.exitCode).toBe(1);
      expect(second.stdout).toMatch(/every doomed: failed: database-missing: database "doomed" was backed up by the previous run but no longer exists/);
      expect((await run('every')).exitCode).toBe(0); // reported once, not on every run
      const doomed = (await runs('every')).filter((r) => r.database === 'doomed').map((r) => r.status);
      expect(doomed).toEqual(['succeeded', 'failed']);
    } finally {
      await admin.query('drop database if exists doomed');
      await admin.end();
    }
  });

  it('the catalog going down during a run: the result is spooled, and one maintain records exactly one row', async () => {
    await setUp({ outage: `databases: [second]\nretention: standard` });
    const blocker = await holdDumpLock();
    const job = spawnPgbackops(['run', '--state-dir', stateDir, 'outage']);
    try {
      await waitFor(async () => (await runs('outage')).some((r) => r.status === 'running'));
      await catalog.pause();
    } finally {
      await blocker.query('rollback');
      await blocker.end();
    }
    const finished = await job;
    await catalog.resume();
    expect(finished.exitCode, String(finished.stderr)).toBe(0);
    expect(String(finished.stdout)).toMatch(/local spool/);
    expect((await runs('outage')).map((r) => r.status)).toEqual(['running']);
    const maintain = await cli('maintain');
    expect(maintain.stdout).toMatch(/spool 1 ingested/);
    const rows = await runs('outage');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'succeeded' });
    expect(existsSync(String(rows[0]!.directory))).toBe(true);
  });

  it('a wrong password in the passfile is recorded as auth-failed', async () => {
    const secured = await startTestCluster({ tcp: true, tcpAuth: 'scram-sha-256' });
    try {
      const admin = new pg.Client(secured.adminConfig);
      await admin.connect();
      await admin.query(`create role backup_pw login password 'right-password'`);
      await admin.end();
      const passfile = join(work, 'pgpass');
      writeFileSync(passfile, `*:*:*:backup_pw:wrong-password\n`, { mode: 0o600 });
      // Started as root, the run acts as the job user: the file must be that user's for its wrong password to be sent.
      chownSync(passfile, Number((await execa('id', ['-u', 'postgres'])).stdout), -1);
      const nodeDoc = `apiVersion: pgbackops/v1
kind: Node
metadata: { name: pg1 }
spec: { host: 127.0.0.1, port: ${secured.port}, user: backup_pw, passfile: ${passfile}, backupServer: backup01 }
`;
      await setUp({ locked: 'databases: [postgres]\nretention: standard' }, { node: nodeDoc });
      const result = await run('locked');
      expect(result.exitCode).toBe(1);
      const [row] = await runs('locked');
      expect(row).toMatchObject({ status: 'failed', failure_reason: 'auth-failed' });
      expect(String(row!.log)).toMatch(/password authentication failed for user "backup_pw"/);
      expect(String(row!.log)).not.toContain('wrong-password');
    } finally {
      await secured.stop();
    }
  });

  it('a pg_dump older than the server is recorded as tool-too-old', async () => {
    // The only failure a real tool cannot be made to produce here (one PostgreSQL major is installed): a fake
    // pg_dump that reports itself as 15 and answers with pg_dump's own version-mismatch message.
    const fakeBin = join(work, 'fake-bin');
    mkdirSync(fakeBin, { recursive: true });
    writeFileSync(join(fakeBin, 'pg_dump'), `#!/bin/sh
if [ "$1" = "--version" ]; then echo "pg_dump (PostgreSQL) 15.0"; exit 0; fi
echo "pg_dump: error: aborting because of server version mismatch" >&2
echo "pg_dump: detail: server version: 16.4; pg_dump version: 15.0" >&2
exit 1
`);
    chmodSync(join(fakeBin, 'pg_dump'), 0o755);
    await setUp({ old: 'databases: [second]\nretention: standard' });
    // pgBinDirs is a BackupServer field: add it to the server document.
    const serverFile = join(configDir, 'server.yaml');
    writeFileSync(serverFile, readFileSync(serverFile, 'utf8').replace('  backupRoot:', `  pgBinDirs: { "15": ${fakeBin} }\n  backupRoot:`));
    await applyConverged(cli);
    const result = await run('old');
    expect(result.exitCode).toBe(1);
    const [row] = await runs('old');
    expect(row).toMatchObject({ status: 'failed', failure_reason: 'tool-too-old' });
  });
});

describe('failures outside the dump tool are recorded', () => {
  // As cron starts the job: as the scheduler user, which a root-owned directory shuts out.
  const postgresCanRunCli = process.getuid?.() === 0 && spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-r', CLI]).status === 0;
  function runAsPostgres(...args: string[]) {
    return pgbackopsAsJobUser(['run', '--state-dir', stateDir, ...args], { PGBACKOPS_LOG_LEVEL: 'silent' });
  }

  it.skipIf(!postgresCanRunCli)('a backup directory the job user may not enter: failed, permission-denied, not running', async () => {
    chmodSync(work, 0o711);
    await setUp({ denied: 'databases: [second, postgres]\nretention: standard' });
    // What a run by hand as root leaves: a root-owned 0700 directory in the job's path.
    mkdirSync(join(backupRoot, 'pg1', 'denied'), { recursive: true, mode: 0o700 });
    chmodSync(join(backupRoot, 'pg1', 'denied'), 0o700);
    const result = await runAsPostgres('denied');
    expect(result.exitCode).toBe(1);
    const rows = await runs('denied');
    expect(rows.map((r) => [r.database, r.status, r.failure_reason]).sort()).toEqual([['postgres', 'failed', 'permission-denied'], ['second', 'failed', 'permission-denied']]);
    expect(String(rows[0]!.failure_detail)).toMatch(/EACCES: permission denied/);
  });

  it.skipIf(!postgresCanRunCli)('a lock directory the job user may not write: every database recorded failed, permission-denied', async () => {
    chmodSync(work, 0o711);
    await setUp({ nolock: 'databases: [second, postgres]\nretention: standard' });
    const locks = join(stateDir, 'locks');
    rmSync(locks, { recursive: true, force: true });
    mkdirSync(locks, { mode: 0o700 });
    const result = await runAsPostgres('nolock');
    expect(result.exitCode).toBe(1);
    const rows = await runs('nolock');
    expect(rows.map((r) => [r.database, r.status, r.failure_reason]).sort()).toEqual([['postgres', 'failed', 'permission-denied'], ['second', 'failed', 'permission-denied']]);
  });

  it('a file where the backup directory should be: failed, storage-error', async () => {
    await setUp({ blocked: 'databases: [second]\nretention: standard' });
    mkdirSync(join(backupRoot, 'pg1', 'blocked'), { recursive: true });
    writeFileSync(join(backupRoot, 'pg1', 'blocked', 'db-second'), 'not a directory');
    const result = await run('blocked');
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/blocked second: failed: storage-error: ENOTDIR/);
    expect(await runs('blocked')).toMatchObject([{ status: 'failed', failure_reason: 'storage-error' }]);
  });
});
