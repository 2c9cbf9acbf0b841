// withEstimates (src/jobs/run-estimate.ts): each database's estimate follows its start, and an estimate that
// arrives after its database is done, or after the next database started, is dropped.
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../../src/core/runs/run-record.js';
import type { RunProgress } from '../../../src/jobs/run-request.js';
import { withEstimates } from '../../../src/jobs/run-estimate.js';

type Estimate = Extract<RunProgress, { kind: 'estimate' }>;

function deferred(): { promise: Promise<Estimate | null>; resolve: (e: Estimate | null) => void } {
  let resolve!: (e: Estimate | null) => void;
  const promise = new Promise<Estimate | null>((r) => { resolve = r; });
  return { promise, resolve };
}

const done = (database: string): RunProgress => ({ kind: 'done', record: { database } as RunRecord });
const estimate = (database: string, bytes: number): Estimate => ({ kind: 'estimate', database, bytes, source: 'previous-run' });

describe('withEstimates', () => {
  it('passes events on and adds the estimate of the database in progress', async () => {
    const seen: RunProgress[] = [];
    const pending = deferred();
    const report = withEstimates((e) => seen.push(e), () => pending.promise);
    report({ kind: 'start', database: 'orders' });
    report({ kind: 'bytes', database: 'orders', bytes: 10 });
    pending.resolve(estimate('orders', 100));
    await pending.promise;
    await Promise.resolve();
    expect(seen.map((e) => e.kind)).toEqual(['start', 'bytes', 'estimate']);
  });

  it('drops an estimate that comes after its database is done or the next one started', async () => {
    const seen: RunProgress[] = [];
    const first = deferred();
    const second = deferred();
    const asked: Array<string | null> = [];
    const report = withEstimates((e) => seen.push(e), (database) => {
      asked.push(database);
      return asked.length === 1 ? first.promise : second.promise;
    });
    report({ kind: 'start', database: 'a' });
    report(done('a'));
    report({ kind: 'start', database: 'b' });
    first.resolve(estimate('a', 1));
    second.resolve(null);
    await Promise.all([first.promise, second.promise]);
    await Promise.resolve();
    expect(asked).toEqual(['a', 'b']);
    expect(seen.filter((e) => e.kind === 'estimate')).toEqual([]);
  });
});
