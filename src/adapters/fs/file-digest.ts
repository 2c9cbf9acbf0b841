// Sizes and sha256 of every file under a directory, read in 1 MiB blocks (dumps can be large).
import { createHash } from 'node:crypto';
import { open, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { RunFile } from '../../core/runs/run-record.js';

const BLOCK = 1 << 20;

export async function sha256File(path: string): Promise<string> {
  return (await digestFile(path, Buffer.allocUnsafe(BLOCK))).sha256;
}

/**
 * One file's size and sha256 through `buffer`. A plain read loop rather than a read stream: every run hashes
 * its small files (roles.sql, run.log...) too, and a stream's set-up per file cost more than their hashing.
 */
async function digestFile(path: string, buffer: Buffer): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  const file = await open(path, 'r');
  let bytes = 0;
  try {
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      bytes += bytesRead;
    }
  } finally {
    await file.close();
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** Every regular file below `root`, sorted by relative path, with size and sha256. */
export async function digestTree(root: string): Promise<RunFile[]> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) files.push(path);
    }
  };
  await walk(root);
  const out: RunFile[] = [];
  const buffer = Buffer.allocUnsafe(BLOCK);
  for (const path of files.sort()) {
    // The size is what was hashed: the manifest cannot pair one file state's size with another's digest.
    out.push({ path: relative(root, path).split(sep).join('/'), ...(await digestFile(path, buffer)) });
  }
  return out;
}
