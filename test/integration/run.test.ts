// `pgbackops run` end to end through the built CLI: real node cluster (seeded), real catalog cluster, real
// pg_dump. Backups are restored into a fresh cluster and compared; the overlap and catalog spool paths are
// exercised for real. Failures, stops and kills, the state directory and retention are in test/integration/run/
// (split by theme so the files run in parallel; the shared set-up is test/helpers/run-fixture.ts).
import { gunzipSync } from 'node:zlib';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startTestCluster } from '../helpers/pg-cluster.js';
import { pgbackops, pgbackopsAsJobUser, spawnPgbackops } from '../helpers/cli.js';
import { databaseState, nodeOf, pgRestore, plainDump, psqlFile, rolesState } from '../helpers/pg-tools.js';
import { DB, backupRoot, catalogConfig, catalogUrl, cli, node, run, runs, setUp, stateDir, holdDumpLock, useRunFixture } from '../helpers/run-fixture.js';
import { waitFor } from '../helpers/wait-for.js';

useRunFixture();

describe('pgbackops run', () => {
  it('a Backup with method: logical is the Backup without it: one catalog row and hash, an empty plan, the same kind of run', async () => {
    const spec = 'databases: [second]\nretention: standard';
    await setUp({ plain: spec });
    const definitionRow = async () => {
      const client = new pg.Client(catalogConfig);
      await client.connect();
      try {
        return (await client.query("select name, spec, spec_hash from pgbackops.definitions where name = 'plain'")).rows;
      } finally {
        await client.end();
      }
    };
    const before = await definitionRow();
    expect(before).toHaveLength(1);
    expect(before[0].spec).not.toHaveProperty('method');

    // The same definition with the default method spelt out: nothing to change, nothing changes.
    await setUp({ plain: `method: logical\n${spec}` });
    expect(await definitionRow()).toEqual(before);
    const result = await run('plain');
    expect(result.exitCode, result.stderr).toBe(0);
    const [row] = await runs('plain');
    expect(row).toMatchObject({ status: 'succeeded', database: 'second', method: 'logical', method_facts: null, backup_type: 'full', format: 'custom' });
    expect(String(row!.pg_dump_version)).toMatch(/^\d+\.\d+/);
  });

  it('takes a full backup that restores into an empty cluster, with roles and database settings', async () => {
    await setUp({ 'shop-full': `databases: ['${DB.replace(/'/g, "''")}']\nformat: directory\njobs: 2\nretention: standard` });
    const result = await run('shop-full');
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/shop-full Shop "Ω" db=1: succeeded/);

    const [row] = await runs('shop-full');
    expect(row).toMatchObject({ status: 'succeeded', database: DB, backup_type: 'full', format: 'directory', node: 'pg1', backup_server: 'backup01' });
    const dir = String(row!.directory);
    expect(dir.startsWith(join(backupRoot, 'pg1', 'shop-full') + '/')).toBe(true);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of ['roles.sql', 'database.sql', 'globals.json', 'manifest.json', 'run.log']) {
      expect(statSync(join(dir, f)).mode & 0o777, f).toBe(0o600);
    }
    // Every file's checksum in the manifest (and the catalog) matches what is on disk.
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.files.length).toBeGreaterThan(3);
    for (const f of manifest.files) {
      expect(createHash('sha256').update(readFileSync(join(dir, f.path))).digest('hex'), f.path).toBe(f.sha256);
    }
    expect(row!.files).toEqual(manifest.files);
    expect(readFileSync(join(dir, 'run.log'), 'utf8')).toMatch(/argv: .*pg_dump .*--format=directory/);
    expect(readdirSync(join(dir, '..')).filter((n) => n.startsWith('.tmp-'))).toEqual([]);

    const fresh = await startTestCluster();
    try {
      const target = nodeOf(fresh);
      await psqlFile(target, 'postgres', join(dir, 'roles.sql'));
      await psqlFile(target, 'postgres', join(dir, 'database.sql'));
      await pgRestore(target, DB, join(dir, 'dump'), ['--jobs=2']);
      const source = nodeOf(node);
      expect(await plainDump(target, DB, '--schema-only')).toBe(await plainDump(source, DB, '--schema-only'));
      expect(await plainDump(target, DB, '--data-only')).toBe(await plainDump(source, DB, '--data-only'));
      const roles = (JSON.parse(readFileSync(join(dir, 'globals.json'), 'utf8')).roleDetails as Array<{ name: string }>).map((r) => r.name);
      expect(await rolesState(fresh, roles)).toEqual(await rolesState(node, roles));
      expect(await databaseState(fresh, DB)).toEqual(await databaseState(node, DB));
    } finally {
      await fresh.stop();
    }
  });

  it('expands databases: all when the job runs, one record per database, minus exclusions and templates', async () => {
    await setUp({ everything: 'databases: all\nexclude: [scratch]\ntype: schema\nretention: standard' });
    const result = await run('everything');
    expect(result.exitCode, result.stderr).toBe(0);
    const rows = await runs('everything');
    expect(rows.map((r) => r.database).sort()).toEqual([DB, 'postgres', 'second'].sort());
    expect(rows.every((r) => r.status === 'succeeded')).toBe(true);
  });

  it('takes a cluster backup with pg_dumpall (and leaves the timeline of its phases where PGBACKOPS_TIMELINE says)', async () => {
    await setUp({ whole: 'type: cluster\nretention: standard' });
    // The job user writes the file: a directory it may write in.
    const timelineDir = mkdtempSync(join(tmpdir(), 'pgbackops-timeline-'));
    chmodSync(timelineDir, 0o777);
    const timeline = join(timelineDir, 'marks.jsonl');
    const result = await pgbackopsAsJobUser(['run', '--state-dir', stateDir, 'whole'], { PGBACKOPS_TIMELINE: timeline });
    expect(result.exitCode, result.stderr).toBe(0);
    const marks = JSON.parse(readFileSync(timeline, 'utf8').trim().split('\n').at(-1)!).marks as Record<string, number>;
    expect(Object.keys(marks)).toEqual(['main', 'command', 'acting', 'definition', 'catalog connected', 'catalog', 'locked', 'swept',
      'running recorded', 'tool start', 'tool exited', 'renamed', 'final recorded', 'unlocked', 'offsite', 'closed', 'ran', 'exit']);
    const times = Object.values(marks);
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
    rmSync(timelineDir, { recursive: true, force: true });
    const [row] = await runs('whole');
    expect(row).toMatchObject({ status: 'succeeded', database: null, backup_type: 'cluster', format: 'plain' });
    // Compressed with gzip, the default (pg_dumpall's output piped through gzip).
    expect(gunzipSync(readFileSync(join(String(row!.directory), 'dump.sql.gz'))).toString('utf8')).toContain('CREATE ROLE app_owner;');
  });

  it('records a missing database as failed with its reason, keeps the log, leaves no half dump', async () => {
    // The missing database comes first: the node's version, asked through it, is asked again through the next.
    await setUp({ ghost: 'databases: [does-not-exist, second]\nretention: standard' });
    const result = await run('ghost');
    expect(result.exitCode).toBe(1);
    const rows = await runs('ghost');
    const row = rows.find((r) => r.database === 'does-not-exist');
    expect(rows.find((r) => r.database === 'second')).toMatchObject({ status: 'succeeded', server_version: expect.stringMatching(/^1\d\./) });
    expect(row).toMatchObject({ status: 'failed', failure_reason: 'database-missing' });
    expect(String(row!.log)).toMatch(/does not exist/);
    expect(existsSync(String(row!.directory))).toBe(true); // the failed run's log file
    const parent = join(backupRoot, 'pg1', 'ghost', 'db-does-not-exist');
    expect(readdirSync(parent).filter((n) => !n.startsWith('failed-'))).toEqual([]);
  });

  it('writes to the spool while the catalog is down, and maintain ingests it exactly once', async () => {
    await setUp({ shop: `databases: [second]\nretention: standard` });
    // Point the remembered catalog at a port where nothing listens: the catalog is "down".
    const down = catalogUrl.replace(/port=\d+|:\d+\//, (m) => (m.startsWith('port=') ? 'port=1' : ':1/'));
    const result = await pgbackops(['run', '--state-dir', stateDir, '--catalog', down, 'shop']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/local spool/);
    expect(await runs('shop')).toEqual([]);
    const spool = readdirSync(join(stateDir, 'spool')).filter((n) => n.endsWith('.json'));
    expect(spool).toHaveLength(1);

    const maintain = await cli('maintain');
    expect(maintain.exitCode, maintain.stderr).toBe(0);
    expect(maintain.stdout).toMatch(/spool 1 ingested, 0 quarantined/);
    expect(await cli('maintain').then((r) => r.stdout)).toMatch(/spool 0 ingested/);
    const rows = await runs('shop');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'succeeded', id: spool[0]!.replace('.json', '') });
  });

  it('an overlapping start is recorded as skipped; a killed run is marked abandoned and leaves no dump', async () => {
    await setUp({ slow: `databases: [second]\nretention: standard` });
    // Hold a lock pg_dump must wait for, so the first run stays in progress.
    const blocker = await holdDumpLock();
    try {
      const first = spawnPgbackops(['run', '--state-dir', stateDir, 'slow']);
      await waitFor(async () => (await runs('slow')).some((r) => r.status === 'running'));
      const second = await run('slow');
      expect(second.exitCode).toBe(0);
      expect(second.stdout).toMatch(/skipped: another run of this definition is still in progress/);
      first.kill('SIGKILL');
      await first;
    } finally {
      await blocker.query('rollback');
      await blocker.end();
    }
    expect((await runs('slow')).map((r) => r.status).sort()).toEqual(['running', 'skipped']);

    const next = await run('slow');
    expect(next.exitCode, next.stderr).toBe(0);
    expect((await runs('slow')).map((r) => r.status).sort()).toEqual(['abandoned', 'skipped', 'succeeded']);
    const dbDir = join(backupRoot, 'pg1', 'slow', 'db-second');
    expect(readdirSync(dbDir).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });
});
