// Off-site copies end to end against a real S3-API server (s3rver, started here on a free port): backups taken
// with the real `pgbackops run` are copied, restored from the store after the local files are gone and
// compared with the source; a copy killed mid-upload is not `copied` and the next maintain completes it; a
// tampered object is refused with nothing restored; remote retention expires exactly what its rules say,
// independently of local retention.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, applyConverged, pgbackopsAsJobUser } from '../../helpers/cli.js';
import { backupSpecDoc, clusterNodeDoc, serverDoc, writeConfig } from '../../helpers/config.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { nodeOf, plainDump, query, queryAt } from '../../helpers/pg-tools.js';
import { startTestS3, type TestS3 } from '../../helpers/s3-server.js';
import { seedDatabase } from '../../helpers/seed.js';
import { catalogConfig, cli, configDir, openWorkspace, stateDir, work } from '../../helpers/workspace.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const POSTGRES = { uid: 101, gid: 101 };
const DB = 'shop';

let source: TestCluster;
let target: TestCluster;
let catalog: TestCluster;
let s3: TestS3;
let client: S3Client;

async function rows<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  return queryAt<T>(catalogConfig, sql, params);
}

async function run(definition: string, env: Record<string, string> = {}): Promise<CliResult> {
  return pgbackopsAsJobUser(['run', '--state-dir', stateDir, definition], env);
}

async function latestRun(definition: string): Promise<{ id: string; directory: string }> {
  const [row] = await rows<{ id: string; directory: string }>(
    `select id::text, directory from pgbackops.backup_runs where definition = $1 and status = 'succeeded' order by started_at desc limit 1`, [definition]);
  return row!;
}

async function copyOf(runId: string): Promise<{ state: string; key_prefix: string; objects: Array<{ key: string; path: string; sha256: string }> | null; verified_by: string | null; attempts: number; failure_reason: string | null }> {
  const [row] = await rows<never>(`select state, key_prefix, objects, verified_by, attempts, failure_reason from pgbackops.offsite_copies where run_id = $1`, [runId]);
  return row!;
}

async function keysUnder(prefix: string): Promise<string[]> {
  const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key!).sort();
}

async function objectExists(key: string): Promise<boolean> {
  return client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key })).then(() => true, () => false);
}

async function databases(cluster: TestCluster): Promise<string[]> {
  return (await query<{ datname: string }>(cluster, 'postgres', 'select datname from pg_database where not datistemplate order by datname')).map((r) => r.datname);
}


beforeAll(async () => {
  [source, target, catalog] = await Promise.all([startTestCluster(), startTestCluster(), startTestCluster()]);
  await seedDatabase(source.config, DB, 500);
  // A database big enough for multipart uploads of several 5 MiB parts (plain, uncompressed dump).
  await source.createDatabase('big');
  const big = new pg.Client({ ...source.adminConfig, database: 'big' });
  await big.connect();
  try {
    await big.query(`create table filler as select g as id, md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) as payload from generate_series(1, 250000) g`);
  } finally {
    await big.end();
  }
  await openWorkspace('offsite', catalog);
  s3 = await startTestS3(work, 'pgbackops-test', POSTGRES);
  client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  writeConfig(configDir, {
    'server.yaml': serverDoc('backup01', join(work, 'cron', 'pgbackops'), join(work, 'backups')),
    'nodes.yaml': [clusterNodeDoc('pg1', source), clusterNodeDoc('pg2', target)].join('---\n'),
    'retention.yaml': [
      'apiVersion: pgbackops/v1\nkind: Retention\nmetadata: { name: local-three }\nspec: { keepLast: 3 }\n',
      'apiVersion: pgbackops/v1\nkind: Retention\nmetadata: { name: remote-one }\nspec: { keepLast: 1 }\n',
      'apiVersion: pgbackops/v1\nkind: Retention\nmetadata: { name: seven-years }\nspec: { keepMonthly: 84, keepLast: 3 }\n',
    ].join('---\n'),
    'store.yaml': `apiVersion: pgbackops/v1
kind: ObjectStore
metadata: { name: vault }
spec:
  endpoint: ${s3.endpoint}
  bucket: ${s3.bucket}
  prefix: prod/
  forcePathStyle: true
  partSizeMiB: 5
  parallelParts: 2
  credentialsFile: ${s3.credentialsFile}
`,
    'backups.yaml': [
      backupSpecDoc('shop', `databases: [${DB}]\nformat: custom\nretention: local-three\noffsite: [{ store: vault, retention: seven-years }]`, null),
      backupSpecDoc('big', 'databases: [big]\nformat: custom\ncompression: { method: none }\nretention: local-three\noffsite: [{ store: vault, retention: seven-years }]', null),
      backupSpecDoc('tiny', `databases: [${DB}]\nformat: custom\nretention: local-three\noffsite: [{ store: vault, retention: remote-one }]`, null),
    ].join('---\n'),
  });
  await applyConverged(cli);
}, 240_000);

afterAll(async () => {
  client?.destroy();
  await s3?.stop();
  await Promise.all([source?.stop(), target?.stop(), catalog?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('off-site copies', () => {
  let shopRun: { id: string; directory: string };

  it('copies a run after it succeeds, mirroring the backup directory under the prefix, marker last', async () => {
    const result = await run('shop');
    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toMatch(/off-site copy of run .* in vault: copied, .* verified by read-back/);
    shopRun = await latestRun('shop');
    const copy = await copyOf(shopRun.id);
    expect(copy.state).toBe('copied');
    // s3rver returns no checksums: the upload was read back and hashed.
    expect(copy.verified_by).toBe('read-back');
    const relative = shopRun.directory.slice(join(work, 'backups').length + 1);
    expect(copy.key_prefix).toBe(`prod/${relative}/`);
    const keys = await keysUnder(copy.key_prefix);
    expect(keys).toContain(`${copy.key_prefix}.pgbackops-copy.json`);
    expect(keys).toContain(`${copy.key_prefix}manifest.json`);
    expect(keys).toContain(`${copy.key_prefix}dump.custom`.replace('dump.custom', copy.objects!.find((o) => o.path.startsWith('dump'))!.path));
    const backups = await cli('backups', '--definition', 'shop');
    expect(backups.stdout).toMatch(/WHERE/);
    expect(backups.stdout).toMatch(/local, vault \(copied\)/);
  }, 120_000);

  it('restores from the store once the local files are gone: the same database', async () => {
    rmSync(shopRun.directory, { recursive: true, force: true });
    const show = await cli('show', shopRun.id);
    expect(show.stdout).toMatch(/vault \(copied\)/);
    const result = await cli('restore', shopRun.id, '--to-node', 'pg2', '--yes');
    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toMatch(/downloaded from vault and checked against its manifest/);
    expect(await plainDump(nodeOf(target), DB, '--schema-only')).toBe(await plainDump(nodeOf(source), DB, '--schema-only'));
    expect(await plainDump(nodeOf(target), DB, '--data-only')).toBe(await plainDump(nodeOf(source), DB, '--data-only'));
    // The download went to a temporary directory under the state directory, removed afterwards.
    expect(existsSync(join(stateDir, 'tmp')) ? (await import('node:fs')).readdirSync(join(stateDir, 'tmp')) : []).toEqual([]);
    const verify = await cli('verify', shopRun.id);
    expect(verify.exitCode, verify.stderr + verify.stdout).toBe(0);
    expect(verify.stdout).toMatch(/downloaded from vault/);
  }, 180_000);

  it('refuses a tampered object with a clear error and restores nothing', async () => {
    const copy = await copyOf(shopRun.id);
    const dump = copy.objects!.find((o) => o.path.startsWith('dump'))!;
    const original = Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: dump.key }))).Body!.transformToByteArray());
    const tampered = Buffer.from(original);
    tampered[tampered.length - 10] = tampered[tampered.length - 10]! ^ 0xff;
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: dump.key, Body: tampered }));
    const before = await databases(target);
    const result = await cli('restore', shopRun.id, '--from', 'vault', '--to-node', 'pg2', '--database', 'shop_again', '--yes');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/E_OFFSITE_COPY_REFUSED/);
    expect(result.stderr).toMatch(/is not the file that was copied: sha256/);
    expect(await databases(target)).toEqual(before);
    const verify = await cli('verify', shopRun.id, '--from', 'vault');
    expect(verify.exitCode).toBe(1);
    expect(verify.stderr).toMatch(/E_OFFSITE_COPY_REFUSED/);
    // Put the object back for the other tests.
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: dump.key, Body: original }));
  }, 120_000);

  it('a copy killed mid-upload is not copied; the next maintain completes it', async () => {
    const killed = await run('big', { PGBACKOPS_FAILPOINT: 'offsite-upload-part' });
    expect(killed.exitCode).not.toBe(0);
    const bigRun = await latestRun('big');
    const copy = await copyOf(bigRun.id);
    expect(copy.state).toBe('pending');
    expect(copy.attempts).toBe(1);
    expect(await objectExists(`${copy.key_prefix}.pgbackops-copy.json`)).toBe(false);
    const maintain = await cli('maintain');
    expect(maintain.exitCode, maintain.stderr + maintain.stdout).toBe(0);
    expect(maintain.stdout).toMatch(new RegExp(`copied  ${bigRun.id} to vault`));
    const done = await copyOf(bigRun.id);
    expect(done.state).toBe('copied');
    expect(done.attempts).toBe(2);
    const dump = done.objects!.find((o) => o.path.startsWith('dump'))!;
    const head = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: dump.key }));
    // Bigger than one part: this was a multipart upload.
    expect(head.ContentLength!).toBeGreaterThan(5 * 1024 * 1024);
    expect(await objectExists(`${done.key_prefix}.pgbackops-copy.json`)).toBe(true);
  }, 240_000);

  it('remote retention expires exactly what its rules say, independently of local retention', async () => {
    for (let i = 0; i < 4; i++) {
      const r = await run('tiny');
      expect(r.exitCode, r.stderr + r.stdout).toBe(0);
      // Runs in the same second get suffixed directories; the next run starts in a later second than this one
      // did (it started before it finished): wait for the next full second, not a whole second more.
      await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 10));
    }
    const runs = (await rows<{ id: string }>(`select id::text from pgbackops.backup_runs where definition = 'tiny' and status = 'succeeded' order by started_at desc`)).map((r) => r.id);
    expect(runs).toHaveLength(4);
    const dry = await cli('prune', '--dry-run');
    expect(dry.stdout).toMatch(/off-site: .* would expire/);
    const maintain = await cli('maintain');
    expect(maintain.exitCode, maintain.stderr + maintain.stdout).toBe(0);
    // Remote: keepLast 1 keeps the newest copy only. Local: keepLast 3 keeps three runs.
    const states = await rows<{ run_id: string; state: string; key_prefix: string }>(
      `select run_id::text, state, key_prefix from pgbackops.offsite_copies where definition = 'tiny' order by run_started_at desc`);
    expect(states.map((s) => [s.run_id, s.state])).toEqual([[runs[0], 'copied'], [runs[1], 'expired'], [runs[2], 'expired'], [runs[3], 'expired']]);
    for (const s of states.slice(1)) expect(await keysUnder(s.key_prefix)).toEqual([]);
    expect((await keysUnder(states[0]!.key_prefix)).length).toBeGreaterThan(2);
    const local = (await rows<{ id: string }>(`select id::text from pgbackops.backup_runs where definition = 'tiny' and status = 'succeeded' order by started_at desc`)).map((r) => r.id);
    expect(local).toEqual(runs.slice(0, 3));
    expect(maintain.stdout).toMatch(new RegExp(`expire  vault: tiny shop \\S+ ${runs[3]}: no retention rule keeps it`));
    expect(maintain.stdout).toMatch(/off-site: 0 copied, 0 failed; \d+ kept, 3 expired/);
    // The other definitions' copies (retention seven-years) are all kept.
    expect((await rows(`select 1 from pgbackops.offsite_copies where definition in ('shop', 'big') and state <> 'copied'`))).toEqual([]);
  }, 240_000);

  it('refuses a credentials file that others can read, and retries the copy later', async () => {
    const { chmodSync } = await import('node:fs');
    chmodSync(s3.credentialsFile, 0o644);
    try {
      const result = await run('shop');
      expect(result.exitCode, result.stderr + result.stdout).toBe(0); // the backup itself succeeded
      expect(result.stdout).toMatch(/off-site copy .* failed: credentialsFile .* has group or world access/);
      const latest = await latestRun('shop');
      const copy = await copyOf(latest.id);
      expect(copy.state).toBe('failed');
      expect(copy.failure_reason).toMatch(/group or world access/);
    } finally {
      chmodSync(s3.credentialsFile, 0o600);
    }
  }, 120_000);
});
