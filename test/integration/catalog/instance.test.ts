// The private-instance module against real PostgreSQL binaries: initialise, start, restart after crashes,
// concurrent starters, refusals.
import { afterEach, describe, expect, test } from 'vitest';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { findServerBinaries, parseVersion } from '../../../src/adapters/postgres/binaries.js';
import { ensureInstance, readInstanceState, stopInstance, type InstanceOptions } from '../../../src/adapters/postgres/instance.js';
import { isRoot, lookupOsUser } from '../../../src/adapters/os/os-user.js';
import { isProcessAlive } from '../../../src/adapters/os/process-alive.js';

const bases: string[] = [];

async function freshLayout(): Promise<InstanceOptions & { base: string }> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'pgbo-i-'));
  await chmod(base, 0o711);
  bases.push(base);
  return { base, dataDir: path.join(base, 'data'), socketDir: path.join(base, 'run'), logFile: path.join(base, 'pg.log'), unsafeNoSync: true };
}

afterEach(async () => {
  for (const base of bases.splice(0)) {
    await stopInstance(path.join(base, 'data'), 'immediate').catch(() => undefined);
    await rm(base, { recursive: true, force: true });
  }
});

async function queryOne(config: pg.ClientConfig, sql: string): Promise<Record<string, unknown>> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    return (await client.query(sql)).rows[0];
  } finally {
    await client.end();
  }
}

async function waitUntilDead(pid: number): Promise<void> {
  for (let i = 0; i < 100 && isProcessAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
}

describe('findServerBinaries', () => {
  test('finds a complete installation and reports its major version', async () => {
    const binaries = await findServerBinaries();
    expect(binaries.major).toBeGreaterThanOrEqual(13);
    expect(path.basename(binaries.pgCtl)).toBe('pg_ctl');
    expect(path.dirname(binaries.initdb)).toBe(binaries.binDir);
    expect((await findServerBinaries(binaries.major)).binDir).toBe(binaries.binDir);
  });

  test('a missing major falls back unless it is required, and the error says where it looked', async () => {
    const any = await findServerBinaries();
    expect((await findServerBinaries(99)).major).toBe(any.major);
    await expect(findServerBinaries(99, { requireMajor: true })).rejects.toThrow(/PostgreSQL 99 server binaries.*Looked in: .*pg_config --bindir.*\/usr\/lib\/postgresql\/\*\/bin/s);
  });

  test('parses pg_ctl --version output', () => {
    expect(parseVersion('pg_ctl (PostgreSQL) 15.13 (Debian 15.13-0+deb12u1)')).toEqual({ major: 15, text: '15.13' });
    expect(parseVersion('pg_ctl (PostgreSQL) 17devel')).toEqual({ major: 17, text: '17' });
    expect(parseVersion('pg_ctl (PostgreSQL) 9.6.24')).toEqual({ major: 9.6, text: '9.6' });
    expect(parseVersion('something else')).toBeNull();
  });
});

describe('ensureInstance', () => {
  test('initialises and starts a fresh instance, then is a no-op while it runs', async () => {
    const layout = await freshLayout();
    const first = await ensureInstance(layout);
    expect(first).toMatchObject({ initialisedNow: true, startedNow: true, socketDir: layout.socketDir });
    expect(first.config).toMatchObject({ host: layout.socketDir, port: first.port, database: 'postgres' });
    expect(await queryOne(first.config, 'select current_setting($$listen_addresses$$) as l, current_setting($$fsync$$) as f')).toEqual({ l: '', f: 'off' });

    const dataStat = await stat(layout.dataDir);
    const socketStat = await stat(layout.socketDir);
    expect(dataStat.mode & 0o777).toBe(0o700);
    expect(socketStat.mode & 0o777).toBe(0o700);
    if (isRoot()) {
      const postgres = await lookupOsUser('postgres');
      expect(dataStat.uid).toBe(postgres.uid);
      expect(socketStat.uid).toBe(postgres.uid);
      expect(first.superuser).toBe('postgres');
    } else {
      expect(dataStat.uid).toBe(process.getuid!());
    }

    const second = await ensureInstance(layout);
    expect(second).toMatchObject({ initialisedNow: false, startedNow: false, pid: first.pid, port: first.port });
  });

  test('restarts after an immediate stop and after a SIGKILLed postmaster, keeping the data', async () => {
    const layout = await freshLayout();
    const first = await ensureInstance(layout);
    await queryOne(first.config, 'create table kept as select 42 as answer');

    await stopInstance(layout.dataDir, 'immediate');
    expect(await readInstanceState(layout.dataDir)).toMatchObject({ initialised: true, running: false });
    const second = await ensureInstance(layout);
    expect(second.startedNow).toBe(true);
    expect(second.pid).not.toBe(first.pid);
    expect(await queryOne(second.config, 'select answer from kept')).toEqual({ answer: 42 });

    // A crash leaves postmaster.pid behind, pointing at a dead process (and, for a moment, its children).
    process.kill(second.pid, 'SIGKILL');
    await waitUntilDead(second.pid);
    expect((await stat(path.join(layout.dataDir, 'postmaster.pid'))).isFile()).toBe(true);
    const third = await ensureInstance(layout);
    expect(third.startedNow).toBe(true);
    expect(third.pid).not.toBe(second.pid);
    expect(await queryOne(third.config, 'select answer from kept')).toEqual({ answer: 42 });
  });

  test('concurrent starters on a fresh directory: one initdb, one postmaster, everyone connected', async () => {
    const layout = await freshLayout();
    const results = await Promise.all([ensureInstance(layout), ensureInstance(layout), ensureInstance(layout)]);
    expect(new Set(results.map((r) => r.pid)).size).toBe(1);
    expect(results.filter((r) => r.initialisedNow)).toHaveLength(1);
    expect(results.filter((r) => r.startedNow)).toHaveLength(1);
    for (const r of results) expect(await queryOne(r.config, 'select 1 as ok')).toEqual({ ok: 1 });
    // No temporary initdb directory and no lock file left behind.
    expect((await readdir(layout.base)).sort()).toEqual(['data', 'pg.log', 'run']);
  });

  test('cleans up what a crashed initialiser left and breaks a lock held by a dead process', async () => {
    const layout = await freshLayout();
    await mkdir(`${layout.dataDir}.initdb-999999-deadbeef`);
    await writeFile(path.join(`${layout.dataDir}.initdb-999999-deadbeef`, 'PG_VERSION'), '15\n');
    await writeFile(
      `${layout.dataDir}.lock`,
      JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname(), bootId: null, token: 'x', since: new Date().toISOString(), purpose: 'test' }),
    );
    const instance = await ensureInstance({ ...layout, lockTimeoutMs: 5_000 });
    expect(instance.initialisedNow).toBe(true);
    expect((await readdir(layout.base)).sort()).toEqual(['data', 'pg.log', 'run']);
  });

  test('waits for a live lock holder and names it when giving up', async () => {
    const layout = await freshLayout();
    // Our parent process is alive and is not us: a live holder.
    const holder = { pid: process.ppid, host: os.hostname(), bootId: null, token: 'x', since: '2030-01-01T00:00:00.000Z', purpose: 'test holder' };
    await writeFile(`${layout.dataDir}.lock`, JSON.stringify(holder));
    await expect(ensureInstance({ ...layout, lockTimeoutMs: 300 })).rejects.toThrow(
      new RegExp(`held by pid ${process.ppid} on .*test holder, since 2030-01-01`),
    );
  });

  test('listens on 127.0.0.1 only when asked', async () => {
    const layout = await freshLayout();
    const instance = await ensureInstance({ ...layout, listenTcp: true });
    expect(instance.config.host).toBe('127.0.0.1');
    expect(instance.port).not.toBe(5432);
    expect(await queryOne(instance.config, 'select inet_server_addr()::text as addr')).toEqual({ addr: '127.0.0.1/32' });
  });

  test('refuses a directory that is not a data directory, and paths pg_ctl cannot pass safely', async () => {
    const layout = await freshLayout();
    await mkdir(layout.dataDir);
    await writeFile(path.join(layout.dataDir, 'precious.txt'), 'not PostgreSQL');
    await expect(ensureInstance(layout)).rejects.toThrow(/is not empty and is not a PostgreSQL data directory/);

    await expect(ensureInstance({ ...layout, dataDir: path.join(layout.base, 'da"ta') })).rejects.toThrow(/cannot pass safely/);
    await expect(ensureInstance({ ...layout, dataDir: path.join(layout.base, '$(touch x)') })).rejects.toThrow(/cannot pass safely/);
    await expect(ensureInstance({ ...layout, socketDir: os.tmpdir() })).rejects.toThrow(/world-writable/);
  });

  test.runIf(isRoot())('as root, refuses directories the instance user cannot enter', async () => {
    const layout = await freshLayout();
    const closed = path.join(layout.base, 'closed');
    await mkdir(closed, { mode: 0o700 });
    await expect(ensureInstance({ ...layout, dataDir: path.join(closed, 'data') })).rejects.toThrow(/postgres, who cannot enter .*closed/);
  });
});
