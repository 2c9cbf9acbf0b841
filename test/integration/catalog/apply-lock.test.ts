// The apply lock between processes (two Catalog instances stand for two processes: each has its own pool
// and sessions, exactly as two pgbackops processes would).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import os from 'node:os';
import pg from 'pg';
import { LockKey, PGBACKOPS_LOCK_CLASS } from '../../../src/adapters/catalog/advisory-locks.js';
import { ApplyLockTimeoutError, Catalog } from '../../../src/adapters/catalog/catalog.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';

let cluster: TestCluster;
let config: pg.ClientConfig;
let alice: Catalog;
let bob: Catalog;

beforeAll(async () => {
  cluster = await startTestCluster();
  config = await cluster.createDatabase();
  alice = await Catalog.open(config, { applicationName: 'pgbackops-alice' });
  bob = await Catalog.open(config, { applicationName: 'pgbackops-bob' });
});
afterAll(async () => {
  await alice?.close();
  await bob?.close();
  await cluster?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('withApplyLock', () => {
  test('a waiter that times out is told who holds the lock: actor, pid, host, since', async () => {
    let seen: unknown;
    await alice.withApplyLock('alice@laptop', 5_000, async () => {
      seen = await bob.withApplyLock('bob', 300, async () => 'should not run').catch((err: unknown) => err);
    });
    expect(seen).toBeInstanceOf(ApplyLockTimeoutError);
    const error = seen as ApplyLockTimeoutError;
    expect(error.message).toMatch(new RegExp(`within 300 ms: it is held by alice@laptop \\(pid ${process.pid} on ${os.hostname()}, since \\d{4}-\\d\\d-\\d\\dT`));
    expect(error.holder).toMatchObject({ actor: 'alice@laptop', pid: process.pid, host: os.hostname() });
    expect(error.holder!.since).toBeInstanceOf(Date);
  });

  test('one applier at a time; the next one gets the lock as soon as it is released, also after a failure', async () => {
    let active = 0;
    let maxActive = 0;
    const order: string[] = [];
    const work = (name: string, fail = false) => async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      order.push(`${name}:in`);
      await sleep(150);
      order.push(`${name}:out`);
      active--;
      if (fail) throw new Error(`${name} failed`);
      return name;
    };
    const results = await Promise.allSettled([
      alice.withApplyLock('alice', 10_000, work('alice', true)),
      bob.withApplyLock('bob', 10_000, work('bob')),
      alice.withApplyLock('alice-2', 10_000, work('alice-2')),
    ]);
    expect(maxActive).toBe(1);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect(order).toHaveLength(6);
    // Released after everything: nobody holds it, and no holder record is left behind.
    await expect(bob.withApplyLock('bob', 0, async () => 'free')).resolves.toBe('free');
    const client = new pg.Client(config);
    await client.connect();
    expect((await client.query('select count(*)::int as n from pgbackops.apply_locks')).rows[0].n).toBe(0);
    await client.end();
  });

  test('a holder that is not pgbackops (no record) is described by its session; a stale record is ignored', async () => {
    const stranger = new pg.Client({ ...config, application_name: 'manual-psql' });
    await stranger.connect();
    // A record left by a crashed holder whose session is gone: must not be blamed.
    await stranger.query(
      "insert into pgbackops.apply_locks (lock_name, actor, pid, host, backend_pid, acquired_at) values ('apply', 'ghost', 1, 'gone-host', 999999, now())",
    );
    await stranger.query('select pg_advisory_lock($1, $2)', [PGBACKOPS_LOCK_CLASS, LockKey.apply]);
    const strangerPid = (await stranger.query('select pg_backend_pid() as pid')).rows[0].pid;

    const error = await bob.withApplyLock('bob', 200, async () => 'no').catch((err: unknown) => err as ApplyLockTimeoutError);
    expect(error).toBeInstanceOf(ApplyLockTimeoutError);
    expect((error as ApplyLockTimeoutError).message).toMatch(new RegExp(`held by database session "manual-psql" \\(backend pid ${strangerPid}, connected since `));
    expect((error as ApplyLockTimeoutError).message).not.toMatch(/ghost/);

    // The lock dies with the session that held it.
    await stranger.end();
    await expect(bob.withApplyLock('bob', 2_000, async () => 'after stranger')).resolves.toBe('after stranger');
  });
});
