// Sizes and sha256 of every file under a directory (streamed: dumps can be large).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { RunFile } from '../../core/runs/run-record.js';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
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
  for (const path of files.sort()) {
    const rel = relative(root, path).split(sep).join('/');
    out.push({ path: rel, bytes: (await stat(path)).size, sha256: await sha256File(path) });
  }
  return out;
}
