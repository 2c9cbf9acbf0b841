// Upload throughput to a local S3-API server (s3rver on a free port): pgbackops' copy of a run's files
// (src/jobs/offsite/copy-run.ts: streamed PutObject or multipart Upload with SHA256 checksums, then the
// re-verification, then the marker object) vs a plain AWS SDK upload (lib-storage Upload) of the same files
// with the same part size and parallel parts. Sizes 64 MiB, 256 MiB, 1 GiB of incompressible data, scaled by
// PGBACKOPS_BENCH_OFFSITE_SCALE (e.g. 0.25); runs alternate (plain, pgbackops) and the figures are medians of
// pairs. s3rver returns no S3 checksums, so pgbackops re-verifies each upload by reading it back: that read is
// part of its time here (with a store that returns checksums it is one HeadObject per file).
import { randomBytes, createHash } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, openSync, rmSync, writeSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { median, printTable, root } from './lib.js';

const MIB = 1024 * 1024;

export async function benchOffsite({ repeats = 3 } = {}) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const scale = Number(process.env.PGBACKOPS_BENCH_OFFSITE_SCALE ?? '1');
  const sizes = [64, 256, 1024].map((m) => Math.max(8, Math.round(m * scale)));
  const { S3Client, DeleteObjectsCommand, ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  const { Upload } = await import('@aws-sdk/lib-storage');
  const { S3ObjectStore } = await import(pathToFileURL(join(root, 'dist/adapters/objectstore/s3-store.js')).href);
  const { copyRunFiles } = await import(pathToFileURL(join(root, 'dist/jobs/offsite/copy-run.js')).href);

  const work = mkdtempSync(join(tmpdir(), 'pgbackops-bench-offsite-'));
  const bucket = 'bench';
  const server = await startS3rverProcess(join(work, 's3'), bucket);
  const { port } = server;
  const endpoint = `http://127.0.0.1:${port}`;
  const spec = { endpoint, region: 'us-east-1', bucket, prefix: 'bench/', forcePathStyle: true, partSizeMiB: 16, parallelParts: 4 };
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
  const plainClient = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials, requestChecksumCalculation: 'WHEN_REQUIRED' });
  const store = await S3ObjectStore.open('bench', spec);
  // The re-verification's share of pgbackops' time, measured around store.verify (a read-back on s3rver, which
  // returns no checksums; one HeadObject on a store that does).
  let verifySeconds = 0;
  const verify = store.verify.bind(store);
  store.verify = async (...args) => {
    const t = process.hrtime.bigint();
    try { return await verify(...args); } finally { verifySeconds += Number(process.hrtime.bigint() - t) / 1e9; }
  };
  const rows = [];
  const results = [];
  try {
    for (const mib of sizes) {
      const dir = join(work, `run-${mib}`);
      mkdirSync(dir, { recursive: true });
      const files = [writeRandom(join(dir, 'dump.custom'), mib * MIB), writeRandom(join(dir, 'globals.json'), 4096)];
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ files }, null, 2) + '\n');
      const run = { id: '00000000-0000-4000-8000-000000000000', definition: 'bench', node: 'n', database: 'db', directory: dir, files, startedAt: new Date().toISOString(), method: 'logical' };
      const plain = [];
      const ours = [];
      const uploadsOnly = [];
      for (let r = 0; r < repeats; r++) {
        let t = process.hrtime.bigint();
        for (const f of [...files, { path: 'manifest.json' }]) {
          await new Upload({ client: plainClient, params: { Bucket: bucket, Key: `plain/${mib}/${f.path}`, Body: createReadStream(join(dir, f.path)) }, partSize: 16 * MIB, queueSize: 4 }).done();
        }
        plain.push(Number(process.hrtime.bigint() - t) / 1e9);
        t = process.hrtime.bigint();
        verifySeconds = 0;
        await copyRunFiles(store, run, `bench/${mib}/`);
        ours.push(Number(process.hrtime.bigint() - t) / 1e9);
        uploadsOnly.push(ours.at(-1) - verifySeconds);
        await emptyBucket(plainClient, bucket, ListObjectsV2Command, DeleteObjectsCommand);
      }
      const p = median(plain);
      const o = median(ours);
      const ratios = plain.map((x, i) => ours[i] / x);
      const uploadRatios = plain.map((x, i) => uploadsOnly[i] / x);
      results.push({ mib, plainSeconds: p, pgbackopsSeconds: o, plainMiBps: mib / p, pgbackopsMiBps: mib / o, ratio: median(ratios), uploadOnlySeconds: median(uploadsOnly), uploadOnlyRatio: median(uploadRatios) });
      rows.push([`${mib} MiB: plain Upload`, `${p.toFixed(2)} s ${(mib / p).toFixed(0)} MiB/s`]);
      rows.push([`${mib} MiB: pgbackops copy`, `${o.toFixed(2)} s ${(mib / o).toFixed(0)} MiB/s`]);
      rows.push([`${mib} MiB: pgbackops upload without re-verification`, `${median(uploadsOnly).toFixed(2)} s ${(mib / median(uploadsOnly)).toFixed(0)} MiB/s`]);
      rows.push([`${mib} MiB: upload ratio, pgbackops / plain (median of pairs)`, median(uploadRatios).toFixed(2), '<= 1.1']);
      rows.push([`${mib} MiB: copy ratio incl. read-back verification (median of pairs)`, median(ratios).toFixed(2)]);
      rmSync(dir, { recursive: true, force: true });
    }
    for (let i = 1; i < results.length; i++) {
      const a = results[i - 1];
      const b = results[i];
      rows.push([`growth ${a.mib} -> ${b.mib} MiB (exponent, pgbackops)`, (Math.log(b.pgbackopsSeconds / a.pgbackopsSeconds) / Math.log(b.mib / a.mib)).toFixed(2)]);
    }
    printTable(`off-site copy vs plain lib-storage Upload to s3rver (scale ${scale}, ${repeats} pairs each, read-back verification)`, rows);
  } finally {
    store.close();
    plainClient.destroy();
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
  return { scale, repeats, verification: 'read-back (s3rver returns no checksums)', sizes: results };
}

function writeRandom(path, bytes) {
  const fd = openSync(path, 'w', 0o600);
  const hash = createHash('sha256');
  const block = randomBytes(4 * MIB);
  try {
    for (let written = 0; written < bytes;) {
      const n = Math.min(block.length, bytes - written);
      writeSync(fd, block, 0, n);
      hash.update(block.subarray(0, n));
      written += n;
      block[0] ^= 0x5a; // no two blocks alike
    }
  } finally {
    closeSync(fd);
  }
  return { path: path.split('/').pop(), bytes, sha256: hash.digest('hex') };
}

async function emptyBucket(client, bucket, List, Delete) {
  for (;;) {
    const listed = await client.send(new List({ Bucket: bucket }));
    const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key }));
    if (keys.length === 0) return;
    await client.send(new Delete({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await benchOffsite();

/** s3rver in a child process (bench/s3rver-process.js): the store's CPU is not the client's, as with a real store. */
async function startS3rverProcess(directory, bucket) {
  mkdirSync(directory, { recursive: true });
  const child = spawn(process.execPath, [new URL('./s3rver-process.js', import.meta.url).pathname, directory, bucket], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(createInterface({ input: child.stdout }), 'line');
  const { port } = JSON.parse(line);
  return {
    port,
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}
