// The check a basebackup run makes of its tars against backup_manifest (src/methods/basebackup/stream-check.ts),
// on real pg_basebackup output of a PostgreSQL 15 cluster: followed while pg_basebackup writes it (gzip), and
// read whole (no compression, lz4, zstd); then tampered with: a byte of a member's data, a member's size, the
// manifest itself, a WAL segment missing. Each must be named by the check. The CRC32C members (the default) are
// held against PostgreSQL's own: the checksums pg_basebackup wrote pass, and pg_verifybackup and our check agree
// on the pristine backup and on a corrupted member; SHA256 is asked for in the zstd case.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolProcessEnv } from '../../../src/adapters/postgres/node-connection.js';
import { buildBasebackupCommand } from '../../../src/core/methods/basebackup/basebackup-command.js';
import type { ManifestChecksums } from '../../../src/core/model.js';
import { BackupStreamCheck } from '../../../src/methods/basebackup/stream-check.js';
import { verifyWithPgVerifybackup } from '../../../src/methods/basebackup/verify-manifest.js';
import { tempDir } from '../../helpers/config.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { nodeOf, query, tool } from '../../helpers/pg-tools.js';

let cluster: TestCluster;
let work: string;
const SEGMENT = 16 * 1024 * 1024;

beforeAll(async () => {
  cluster = await startTestCluster();
  work = tempDir('bb-tar-check');
  await cluster.createDatabase('app');
  await query(cluster, 'app', 'create table t as select n, md5(n::text) as h from generate_series(1, 20000) n');
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

/** pg_basebackup with the method's own argv into `name`, checked by a BackupStreamCheck started before it. */
async function backupChecked(name: string, method: 'none' | 'gzip' | 'lz4' | 'zstd', checksums: ManifestChecksums = 'crc32c') {
  const dir = join(work, name);
  const command = buildBasebackupCommand({ checkpoint: 'fast', compression: { method, ...(method === 'none' ? {} : { level: 1 }) }, ...(checksums === 'crc32c' ? {} : { manifestChecksums: checksums }) } as never, nodeOf(cluster), dir, 'test', 15);
  const check = new BackupStreamCheck(dir, checksums).start();
  const run = await execa(await tool('pg_basebackup'), command.args, { env: toolProcessEnv(command.env), extendEnv: false, reject: false });
  check.writerExited();
  expect(run.exitCode, run.stderr).toBe(0);
  return { dir, ...(await check.finish(SEGMENT)) };
}

/** Checks a backup directory already written (the writer has long exited). */
async function checkWritten(dir: string) {
  const check = new BackupStreamCheck(dir, 'crc32c');
  check.writerExited();
  return check.finish(SEGMENT);
}

/** Byte offset of a member's data in an uncompressed tar, walking its 512-byte headers. */
function memberDataOffset(tar: Buffer, path: string): { offset: number; size: number } {
  for (let at = 0; at + 512 <= tar.length;) {
    const name = tar.toString('utf8', at, at + 100).replace(/\0.*$/s, '');
    if (name === '') break;
    const size = parseInt(tar.toString('latin1', at + 124, at + 136).replace(/\0.*$/s, '').trim() || '0', 8);
    if (name === path) return { offset: at + 512, size };
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${path} not in the tar`);
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

describe('basebackup tar check against backup_manifest', () => {
  it('follows a gzip backup while pg_basebackup writes it: every file matches, the digests are the files\'', async () => {
    const { dir, check, digests } = await backupChecked('gz', 'gzip');
    expect(check.problem).toBeNull();
    expect(check.ok).toBe(true);
    expect(check.how).toMatch(/^pgbackops tar check \((\d+) files: size and CRC32C against backup_manifest; WAL [0-9A-F]{24}/);
    const manifest = JSON.parse(readFileSync(join(dir, 'backup_manifest'), 'utf8')) as { Files: Array<{ 'Checksum-Algorithm': string; Checksum: string }> };
    expect(check.how).toContain(`(${manifest.Files.length} files`);
    // Every checksum pg_basebackup wrote is a CRC32C the check computed the same (else it would name the file).
    expect(new Set(manifest.Files.map((f) => f['Checksum-Algorithm']))).toEqual(new Set(['CRC32C']));
    expect([...digests.keys()].map((p) => p.slice(dir.length + 1)).sort()).toEqual(['backup_manifest', 'base.tar.gz', 'pg_wal.tar.gz']);
    for (const [path, digest] of digests) expect(digest, path).toEqual({ bytes: readFileSync(path).length, sha256: sha256(path) });
  }, 120_000);

  it('reads in a process of its own, every thread of it at idle priority (SCHED_IDLE); abandon() stops it, reporting nothing', async () => {
    const check = new BackupStreamCheck(join(work, 'not-written-yet'), 'crc32c').start();
    const pid = check.pid!;
    // Field 41 of a thread's stat is its scheduling policy (after the command name in parentheses, the 39th); 5 is SCHED_IDLE.
    const policies = () => readdirSync(`/proc/${pid}/task`).map((t) => Number(readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[38]));
    // Until chrt has executed Node the process is chrt; once Node runs, its threads are there.
    for (let i = 0; i < 100 && policies().length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    const threads = policies();
    expect(threads.length).toBeGreaterThan(1);
    expect(new Set(threads)).toEqual(new Set([5]));
    await check.abandon();
    expect(existsSync(`/proc/${pid}`)).toBe(false);
  }, 30_000);

  it.each([['lz4', 'crc32c'], ['zstd', 'sha256']] as const)('reads a %s backup through the command-line decompressor (%s)', async (method, checksums) => {
    const { dir, check } = await backupChecked(method, method, checksums);
    expect(check.problem).toBeNull();
    expect(check.ok).toBe(true);
    expect(check.how).toContain(`size and ${checksums.toUpperCase()} against backup_manifest`);
    expect(readFileSync(join(dir, 'backup_manifest'), 'utf8')).toContain(`"Checksum-Algorithm": "${checksums.toUpperCase()}"`);
  }, 120_000);

  describe('an uncompressed backup, tampered with', () => {
    let dir: string;
    let pristine: Buffer;

    beforeAll(async () => {
      const taken = await backupChecked('plain', 'none');
      expect(taken.check.ok, taken.check.problem ?? '').toBe(true);
      dir = taken.dir;
      pristine = readFileSync(join(dir, 'base.tar'));
    }, 120_000);

    it('a flipped byte in a member\'s data: checksum mismatch for that file, as pg_verifybackup says of the CRC32C', async () => {
      const verifyScratch = join(work, 'verify-scratch');
      expect(await verifyWithPgVerifybackup(dir, verifyScratch, 15)).toMatchObject({ ok: true, problem: null });
      const tar = Buffer.from(pristine);
      const { offset } = memberDataOffset(tar, 'PG_VERSION');
      tar[offset] = tar[offset]! ^ 0x01;
      writeFileSync(join(dir, 'base.tar'), tar);
      const { check } = await checkWritten(dir);
      expect(check.ok).toBe(false);
      expect(check.problem).toBe('checksum mismatch for file "PG_VERSION"');
      const theirs = await verifyWithPgVerifybackup(dir, verifyScratch, 15);
      expect(theirs.ok).toBe(false);
      expect(theirs.problem).toContain('checksum mismatch for file "PG_VERSION"');
    }, 60_000);

    it('a member cut short by a changed header size: the header checksum no longer holds', async () => {
      const tar = Buffer.from(pristine);
      const { offset } = memberDataOffset(tar, 'PG_VERSION');
      tar.write('00000000002', offset - 512 + 124, 'latin1');
      writeFileSync(join(dir, 'base.tar'), tar);
      const { check } = await checkWritten(dir);
      expect(check.ok).toBe(false);
      expect(check.problem).toMatch(/^base\.tar: bad tar header checksum at offset \d+$/);
      // The same through gunzip (the run's usual path), and a gzip stream cut short.
      rmSync(join(dir, 'base.tar'));
      try {
        writeFileSync(join(dir, 'base.tar.gz'), gzipSync(tar, { level: 1 }));
        expect((await checkWritten(dir)).check.problem).toMatch(/^base\.tar\.gz: bad tar header checksum at offset \d+$/);
        const whole = gzipSync(pristine, { level: 1 });
        writeFileSync(join(dir, 'base.tar.gz'), whole.subarray(0, whole.length - 100));
        expect((await checkWritten(dir)).check.problem).toMatch(/^base\.tar\.gz: unexpected end of file$/);
        writeFileSync(join(dir, 'base.tar.gz'), whole);
        expect((await checkWritten(dir)).check).toMatchObject({ ok: true, problem: null });
      } finally {
        rmSync(join(dir, 'base.tar.gz'), { force: true });
        writeFileSync(join(dir, 'base.tar'), pristine);
      }
    });

    it('a file missing from the tar, and one the manifest does not list', async () => {
      const tar = Buffer.from(pristine);
      const { offset } = memberDataOffset(tar, 'PG_VERSION');
      // Renamed in its header (checksum recomputed): PG_VERSION is gone, PG_VERSIOM is extra.
      tar.write('PG_VERSIOM', offset - 512, 'utf8');
      tar.write('        ', offset - 512 + 148, 'latin1');
      let sum = 0;
      for (let i = offset - 512; i < offset; i++) sum += tar[i]!;
      tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, offset - 512 + 148, 'latin1');
      writeFileSync(join(dir, 'base.tar'), tar);
      const { check } = await checkWritten(dir);
      expect(check.problem).toBe('"PG_VERSION" is present in the manifest but not in the backup\n"PG_VERSIOM" is present in the backup but not in the manifest');
    });

    it('a changed backup_manifest fails its own checksum', async () => {
      writeFileSync(join(dir, 'base.tar'), pristine);
      const path = join(dir, 'backup_manifest');
      const manifest = readFileSync(path, 'utf8');
      try {
        writeFileSync(path, manifest.replace('"Path": "PG_VERSION", "Size": 3', '"Path": "PG_VERSION", "Size": 4'));
        const { check } = await checkWritten(dir);
        expect(check.problem).toMatch(/^backup_manifest's own checksum does not match/);
      } finally {
        writeFileSync(path, manifest);
      }
    });

    it('pg_wal.tar without the backup\'s WAL: the segment is named', async () => {
      const wal = join(dir, 'pg_wal.tar');
      const before = readFileSync(wal);
      const listed = (await execa('tar', ['-tf', wal])).stdout.split('\n').filter((n) => /^[0-9A-F]{24}$/.test(n));
      expect(listed.length).toBeGreaterThan(0);
      try {
        // An empty archive in its place.
        writeFileSync(wal, Buffer.alloc(1024));
        const { check } = await checkWritten(dir);
        expect(check.ok).toBe(false);
        expect(check.problem).toContain(`WAL segment ${listed[0]} (needed from `);
        rmSync(wal);
        expect((await checkWritten(dir)).check.problem).toContain('the backup has no pg_wal.tar');
      } finally {
        writeFileSync(wal, before);
      }
      expect((await checkWritten(dir)).check.ok).toBe(true);
      expect(existsSync(join(dir, '.verify'))).toBe(false);
      expect(readdirSync(dir).sort()).toEqual(['backup_manifest', 'base.tar', 'pg_wal.tar']);
    });
  });
});
