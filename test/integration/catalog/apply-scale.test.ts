// Batched applies: the number of SQL statements depends on which kinds and operations change, never on how
// many objects change or how big the fleet is. Proved by comparing two fleet sizes (counts, not timings).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Catalog, type ApplyRecord } from '../../../src/adapters/catalog/catalog.js';
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
  test('10,000 creates and a one-object update cost the same statements as a fleet ten times smaller', async () => {
    const small = await measure(1_000);
    const large = await measure(10_000);
    // Timings are printed for information only (figures belong in bench/, not in assertions).
    console.log(`fleet 1,000: ${JSON.stringify(small)}\nfleet 10,000: ${JSON.stringify(large)}`);

    expect(large.objects).toBe(1 + 10 + 1_000 + 10_000);
    expect(small.objects).toBe(1 + 10 + 100 + 1_000);
    expect(large.createStatements).toBe(small.createStatements);
    expect(large.updateStatements).toBe(small.updateStatements);
    expect(large.snapshotStatements).toBe(small.snapshotStatements);
    // begin, version check, 4 kinds of creates, state+history, notify, commit.
    expect(large.createStatements).toBeLessThanOrEqual(9);
    // begin, version check, one update, state+history, notify, commit.
    expect(large.updateStatements).toBeLessThanOrEqual(6);
  });
});
