// Batched applies: the number of SQL statements depends on which kinds and operations change and grows by one
// per chunk of DEFAULT_CHUNK_LIMITS.rows objects, never with the size of the fleet around a change. Proved by
// comparing two fleet sizes (counts, not timings); the larger one is applied in several chunks.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Catalog, type ApplyRecord } from '../../../src/adapters/catalog/catalog.js';
import { DEFAULT_CHUNK_LIMITS } from '../../../src/adapters/catalog/change-statements.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { backupSpec, fleet, update } from './fleet.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(() => cluster?.stop());

const record = (revision: string): ApplyRecord => ({ revision, actor: 'bench', summary: {}, overrides: [] });

interface Measured {
  createStatements: number;
  createMs: number;
  updateStatements: number;
  updateMs: number;
  snapshotStatements: number;
  objects: number;
}

async function measure(definitions: number): Promise<Measured> {
  const catalog = await Catalog.open(await cluster.createDatabase());
  try {
    const changes = fleet(definitions);
    let started = Date.now();
    const created = await catalog.applyChanges(changes, record('rev-1'), 0);
    const createMs = Date.now() - started;

    started = Date.now();
    const updated = await catalog.applyChanges([update('Backup', 'def-7', backupSpec(7, 'pg-0', { schedule: '5 4 * * *', resolvedSchedule: '5 4 * * *' }))], record('rev-2'), 1);
    const updateMs = Date.now() - started;

    const before = catalog.statementsIssued;
    const snapshot = await catalog.readSnapshot();
    return {
      createStatements: created.statements,
      createMs,
      updateStatements: updated.statements,
      updateMs,
      snapshotStatements: catalog.statementsIssued - before,
      objects: snapshot.objects.length,
    };
  } finally {
    await catalog.close();
  }
}

describe('applyChanges at fleet scale', () => {
  test('10,000 creates cost one statement more per chunk, and a one-object update the same as in a fleet ten times smaller', async () => {
    const small = await measure(1_000);
    const large = await measure(10_000);
    // Timings are printed for information only (figures belong in bench/, not in assertions).
    console.log(`fleet 1,000: ${JSON.stringify(small)}\nfleet 10,000: ${JSON.stringify(large)}`);

    expect(large.objects).toBe(1 + 10 + 1_000 + 10_000);
    expect(small.objects).toBe(1 + 10 + 100 + 1_000);
    const chunks = (n: number) => Math.ceil(n / DEFAULT_CHUNK_LIMITS.rows);
    expect(chunks(10_000)).toBeGreaterThan(1); // the large fleet really is applied in several chunks
    expect(large.createStatements - small.createStatements).toBe(chunks(10_000) + chunks(1_000) - chunks(1_000) - chunks(100));
    expect(large.updateStatements).toBe(small.updateStatements);
    expect(large.snapshotStatements).toBe(small.snapshotStatements);
    // begin, version check, 4 kinds of creates (one statement per chunk), state+history, notify, commit.
    expect(small.createStatements).toBeLessThanOrEqual(9);
    // begin, version check, one update, state+history, notify, commit.
    expect(large.updateStatements).toBeLessThanOrEqual(6);
  });
});
