// The status line a one-off job records from its runs.
import { describe, expect, it } from 'vitest';
import { restoreResult, snapshotResult } from '../../../src/core/one-off/outcome.js';

const run = (id: string, database: string | null, status: string, extra: Record<string, unknown> = {}) =>
  ({ id, database, status, bytes: 2048, failureReason: null, failureDetail: null, ...extra }) as Parameters<typeof snapshotResult>[0][number];

describe('snapshotResult', () => {
  it('succeeds when every database was backed up', () => {
    expect(snapshotResult([run('a', 'shop', 'succeeded'), run('b', 'ledger', 'succeeded')])).toEqual({
      state: 'succeeded', message: '2 backup(s) taken (shop, ledger), 4.0 KiB', result: { runs: ['a', 'b'] },
    });
  });

  it('fails when one did not succeed, naming the first and why', () => {
    const r = snapshotResult([run('a', 'shop', 'succeeded'), run('b', 'ledger', 'failed', { failureReason: 'auth-failed', failureDetail: 'password authentication failed' })]);
    expect(r.state).toBe('failed');
    expect(r.message).toBe('1 of 2 backup(s) did not succeed; ledger: failed: auth-failed: password authentication failed');
    expect(snapshotResult([]).state).toBe('failed');
    expect(snapshotResult([run('c', null, 'abandoned')]).message).toBe('1 of 1 backup(s) did not succeed; (cluster): abandoned');
  });
});

describe('restoreResult', () => {
  it('says where it restored, and why it failed', () => {
    const base = { id: 'r1', targetNode: 'pg2', targetDatabase: 'shop', backupRunId: 'b1', renamedExistingTo: null, failureReason: null };
    expect(restoreResult({ ...base, status: 'succeeded' })).toEqual({ state: 'succeeded', message: 'restored backup b1 into pg2/shop', result: { restore: 'r1', backup: 'b1' } });
    expect(restoreResult({ ...base, status: 'succeeded', renamedExistingTo: 'shop_20261201023000' }).message).toMatch(/renamed to shop_20261201023000$/);
    expect(restoreResult({ ...base, status: 'failed', failureReason: 'refused: database "shop" exists' }).message).toBe('restore into pg2/shop failed: refused: database "shop" exists');
  });
});
