// Cluster dumps compressed (docs/restore.md, "Cluster dumps"): pg_dumpall's SQL piped through gzip, lz4 or zstd as the
// definition says, hashed while written (the manifest's sha256 is that of the compressed file on disk),
// verified by decompressing it to its end, and restored into an empty cluster identical to the source; a
// plain dump.sql (how every cluster dump was stored before) still restores.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyConverged, pgbackops } from '../../helpers/cli.js';
import { backupSpecDoc, clusterNodeDoc, retentionDoc, serverDoc, writeConfig } from '../../helpers/config.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { databaseState, nodeOf, plainDump, queryAt, rolesState } from '../../helpers/pg-tools.js';
import { SEEDED_ROLES, seedDatabase } from '../../helpers/seed.js';
import { catalogConfig, cli, configDir, openWorkspace, stateDir, work } from '../../helpers/workspace.js';

const DB = 'Shop "Ω" db=1';
let source: TestCluster;
let catalog: TestCluster;
const runs: Record<string, { id: string; directory: string; files: Array<{ path: string; bytes: number; sha256: string }> }> = {};

function cluster(name: string, compression: string): string {
  return backupSpecDoc(name, `type: cluster\n${compression ? `compression: ${compression}` : ''}`);
}

const DEFINITIONS = { gzip: '', zstd: '{ method: zstd, level: 19 }', lz4: '{ method: lz4 }', none: '{ method: none }' } as const;

beforeAll(async () => {
  [source, catalog] = await Promise.all([startTestCluster(), startTestCluster()]);
  await seedDatabase(source.config, DB, 3000);
  await openWorkspace('cluster-compression', catalog);
  writeConfig(configDir, {
    'server.yaml': serverDoc('backup01', join(work, 'cron', 'pgbackops'), join(work, 'backups')),
    'nodes.yaml': clusterNodeDoc('pg1', source),
    'retention.yaml': retentionDoc,
    'backups.yaml': Object.entries(DEFINITIONS).map(([name, c]) => cluster(`all-${name}`, c)).join('---\n'),
  });
  await applyConverged(cli);
  for (const name of Object.keys(DEFINITIONS)) {
    const r = await pgbackops(['run', '--state-dir', stateDir, '--json', `all-${name}`]);
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    runs[name] = JSON.parse(r.stdout).runs[0];
  }
});

afterAll(async () => {
  await Promise.all([source?.stop(), catalog?.stop()]);
});

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

describe('a cluster dump', () => {
  it('is compressed with the definition\'s method; the manifest holds the sha256 of the file on disk', () => {
    const expected = { gzip: 'dump.sql.gz', zstd: 'dump.sql.zst', lz4: 'dump.sql.lz4', none: 'dump.sql' };
    for (const [name, file] of Object.entries(expected)) {
      const run = runs[name]!;
      expect(readdirSync(run.directory).sort(), name).toEqual([file, 'manifest.json', 'run.log']);
      const recorded = run.files.find((f) => f.path === file)!;
      expect(recorded.sha256, name).toBe(sha256(join(run.directory, file)));
      expect(recorded.bytes, name).toBe(statSync(join(run.directory, file)).size);
      const manifest = JSON.parse(readFileSync(join(run.directory, 'manifest.json'), 'utf8')) as { files: Array<{ path: string; sha256: string }> };
      expect(manifest.files.find((f) => f.path === file)?.sha256, name).toBe(recorded.sha256);
    }
    // The seeded data compresses: each method stores a fraction of the plain SQL.
    const plain = runs.none!.files.find((f) => f.path === 'dump.sql')!.bytes;
    for (const name of ['gzip', 'zstd', 'lz4']) {
      const bytes = runs[name]!.files.find((f) => f.path.startsWith('dump.sql'))!.bytes;
      expect(bytes, name).toBeLessThan(plain / 2);
    }
    // The run log shows the pipeline it ran (without a shell).
    expect(readFileSync(join(runs.zstd!.directory, 'run.log'), 'utf8')).toMatch(/pg_dumpall .* \| zstd -q -c -19 > \S+dump\.sql\.zst/);
  });

  it('is verified by decompressing it to its end (after its checksums)', async () => {
    for (const name of ['gzip', 'zstd', 'lz4']) {
      const r = await cli('verify', runs[name]!.id, '--json');
      expect(r.exitCode, r.stderr + r.stdout).toBe(0);
      expect(JSON.parse(r.stdout).archive, name).toMatchObject({ checked: true, problem: null, note: expect.stringContaining('decompresses to its end') });
    }
    const text = await cli('verify', runs.none!.id);
    expect(text.stdout).toContain('plain SQL (pg_dumpall)');
  });

  it.each(['gzip', 'zstd', 'none'])('(%s) restores into an empty cluster, identical to the source', async (name) => {
    const fresh = await startTestCluster();
    try {
      writeConfig(configDir, {
        'server.yaml': serverDoc('backup01', join(work, 'cron', 'pgbackops'), join(work, 'backups')),
        'nodes.yaml': [clusterNodeDoc('pg1', source), clusterNodeDoc('fresh', fresh)].join('---\n'),
        'retention.yaml': retentionDoc,
        'backups.yaml': Object.entries(DEFINITIONS).map(([n, c]) => cluster(`all-${n}`, c)).join('---\n'),
      });
      await applyConverged(cli);
      const result = await cli('restore', runs[name]!.id, '--to-node', 'fresh', '--yes');
      expect(result.exitCode, result.stderr + result.stdout).toBe(0);
      expect(await plainDump(nodeOf(fresh), DB, '--schema-only')).toBe(await plainDump(nodeOf(source), DB, '--schema-only'));
      expect(await plainDump(nodeOf(fresh), DB, '--data-only')).toBe(await plainDump(nodeOf(source), DB, '--data-only'));
      expect(await rolesState(fresh, SEEDED_ROLES)).toEqual(await rolesState(source, SEEDED_ROLES));
      expect((await databaseState(fresh, DB) as { owner: string }).owner).toBe((await databaseState(source, DB) as { owner: string }).owner);
      const [row] = await queryAt<{ log: string }>(catalogConfig, 'select log from pgbackops.restore_runs where backup_run_id = $1', [runs[name]!.id]);
      expect(row!.log).toContain(`loaded ${name === 'none' ? 'dump.sql' : name === 'gzip' ? 'dump.sql.gz' : 'dump.sql.zst'}`);
    } finally {
      await fresh.stop();
    }
  });
});
