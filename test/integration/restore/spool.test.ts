// Restore records reach the catalog even when it is unreachable at the end of a restore: they go to the
// local spool (spool/restores/) and `maintain`'s spool ingest moves them into restore_runs exactly once.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/adapters/catalog/catalog.js';
import { createLogger } from '../../../src/adapters/logger.js';
import type { RestoreRecord } from '../../../src/core/restore/restore-record.js';
import { ingestSpool } from '../../../src/jobs/ingest-spool.js';
import { restoreRecorder, restoreSpoolDir } from '../../../src/jobs/restore-recorder.js';
import { tempDir } from '../../helpers/config.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';

let cluster: TestCluster;
let config: pg.ClientConfig;
beforeAll(async () => {
  cluster = await startTestCluster();
  config = await cluster.createDatabase();
});
afterAll(async () => {
  await cluster?.stop();
});

const record: RestoreRecord = {
  id: '6f1f7a52-4a7e-4c5e-9a53-2f3c1a0b9d11', purpose: 'restore', backupRunId: '0b9e3c55-1d8e-4d44-8f0e-7c2a9b7d6e21', definition: 'shop',
  sourceDatabase: 'shop', backupType: 'full', format: 'custom', targetNode: 'pg2', targetDatabase: 'shop', renamedExistingTo: null,
  status: 'succeeded', startedAt: '2026-11-20T10:00:00.000Z', finishedAt: '2026-11-20T10:01:00.000Z', failureReason: null, log: 'log',
  pgRestoreVersion: '15.13', serverVersion: '15.13', createdRoles: ['app'], createdDatabases: ['shop'], actor: 'ops@test',
};

describe('restore records and the spool', () => {
  it('spools when the catalog is unusable, and ingest moves the record into restore_runs once', async () => {
    const stateDir = tempDir('restore-spool');
    const logger = createLogger({ level: 'silent' });
    const gone = await Catalog.open(config);
    await gone.close(); // every query on it now fails, as on a lost catalog
    const recorder = restoreRecorder(stateDir, gone.restores, logger);
    await recorder.record(record);
    expect(recorder.mode).toBe('spool');
    expect(readdirSync(restoreSpoolDir(stateDir))).toEqual([`${record.id}.json`]);

    const catalog = await Catalog.open(config);
    try {
      expect(await ingestSpool(stateDir, catalog.runs, logger, catalog.restores)).toEqual({ ingested: 1, quarantined: 0, remaining: 0 });
      expect(existsSync(join(restoreSpoolDir(stateDir), `${record.id}.json`))).toBe(false);
      expect(await ingestSpool(stateDir, catalog.runs, logger, catalog.restores)).toEqual({ ingested: 0, quarantined: 0, remaining: 0 });
      const client = new pg.Client(config);
      await client.connect();
      const { rows } = await client.query('select id::text, status, target_node, created_roles from pgbackops.restore_runs');
      await client.end();
      expect(rows).toEqual([{ id: record.id, status: 'succeeded', target_node: 'pg2', created_roles: ['app'] }]);
    } finally {
      await catalog.close();
    }
  });
});
