// AppendOnlyDigest: files hashed while another writer appends to them must end with the same sizes and
// checksums as reading the finished files; a file that was not append-only after all is hashed again.
import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppendOnlyDigest, digestTree } from '../../../src/adapters/fs/file-digest.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pgbo-digest-'));
  dirs.push(dir);
  return dir;
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits until the digest has polled at least once more (its interval is 5 ms). */
const poll = () => pause(40);

describe('AppendOnlyDigest', () => {
  it('hashes a directory whose files grow, appear and nest while it polls, as digestTree would after', async () => {
    const root = tempDir();
    const archive = join(root, 'dump');
    mkdirSync(archive);
    const digest = new AppendOnlyDigest(archive, 5).start();
    writeFileSync(join(archive, 'toc.dat'), 'PGDMP toc');
    for (let i = 0; i < 20; i++) {
      appendFileSync(join(archive, '3001.dat.gz'), Buffer.alloc(70_000 + i, i)); // blocks that straddle reads
      if (i === 5) mkdirSync(join(archive, 'blobs'));
      if (i >= 5) appendFileSync(join(archive, 'blobs', 'blob_1.dat'), `chunk ${i}\n`);
      if (i % 4 === 0) await poll();
    }
    // Read while written, not only at the end.
    expect(digest.bytesHashed).toBeGreaterThan(70_000);
    writeFileSync(join(archive, '3002.dat.gz'), 'written after the last poll');
    writeFileSync(join(root, 'run.log'), 'not under the archive: digestTree reads it');

    const early = await digest.finish();
    expect([...early.keys()].sort()).toEqual([join(archive, '3001.dat.gz'), join(archive, '3002.dat.gz'), join(archive, 'blobs', 'blob_1.dat'), join(archive, 'toc.dat')]);
    const tree = await digestTree(root, early);
    expect(tree).toEqual(await digestTree(root));
    expect(tree.find((f) => f.path === 'dump/3001.dat.gz')).toEqual({
      path: 'dump/3001.dat.gz', bytes: 20 * 70_000 + 190, sha256: sha256(join(archive, '3001.dat.gz')),
    });
  });

  it('hashes a single growing file (plain SQL)', async () => {
    const file = join(tempDir(), 'dump.sql');
    const digest = new AppendOnlyDigest(file, 5).start();
    await poll(); // the file does not exist yet: nothing to read, no error
    for (let i = 0; i < 5; i++) {
      appendFileSync(file, `insert into t values (${i});\n`.repeat(1000));
      await poll();
    }
    expect(await digest.finish()).toEqual(new Map([[file, { bytes: statSync(file).size, sha256: sha256(file) }]]));
  });

  it('hashes again from the start a file that was rewritten shorter after it was read', async () => {
    const file = join(tempDir(), 'dump.sql');
    writeFileSync(file, 'a'.repeat(10_000));
    const digest = new AppendOnlyDigest(file, 5).start();
    await poll();
    truncateSync(file, 0);
    writeFileSync(file, 'b'.repeat(4_000));
    expect(await digest.finish()).toEqual(new Map([[file, { bytes: 4_000, sha256: sha256(file) }]]));
  });

  it('stops without a result when the writer failed', async () => {
    const file = join(tempDir(), 'dump.sql');
    const digest = new AppendOnlyDigest(file, 5).start();
    writeFileSync(file, 'partial');
    await poll();
    await digest.stop();
  });
});
