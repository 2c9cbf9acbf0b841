// Sizes and sha256 of every file under a directory, read in 1 MiB blocks (dumps can be large); and the same
// for files another process is still appending to, hashed as they grow (see AppendOnlyDigest).
import { createHash, type Hash } from 'node:crypto';
import { open, readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { RunFile } from '../../core/runs/run-record.js';

const BLOCK = 1 << 20;

/** @param onBlock told the bytes of each block as it is hashed (progress of a long check). */
export async function sha256File(path: string, onBlock?: (bytes: number) => void): Promise<string> {
  const state = { hash: createHash('sha256'), bytes: 0 };
  await readOn(path, state, Buffer.allocUnsafe(BLOCK), onBlock);
  return state.hash.digest('hex');
}

/**
 * Every regular file below `root`, sorted by relative path, with size and sha256. Files in `done` (absolute
 * path -> digest, from an AppendOnlyDigest) are not read again.
 */
export async function digestTree(root: string, done: ReadonlyMap<string, Omit<RunFile, 'path'>> = new Map()): Promise<RunFile[]> {
  const out: RunFile[] = [];
  const buffer = Buffer.allocUnsafe(BLOCK);
  for (const path of (await filesBelow(root)).sort()) {
    let digest = done.get(path);
    if (!digest) {
      const state = { hash: createHash('sha256'), bytes: 0 };
      await readOn(path, state, buffer);
      // The size is what was hashed: the manifest cannot pair one file state's size with another's digest.
      digest = { bytes: state.bytes, sha256: state.hash.digest('hex') };
    }
    out.push({ path: relative(root, path).split(sep).join('/'), ...digest });
  }
  return out;
}

/**
 * Hashes the files under `path` (a file or a directory) while another process writes them, for writers that
 * only ever append: pg_dump's directory format (toc.dat is complete before the data files, and each data file
 * is written once, front to back) and plain SQL output. Each poll reads every file from where the last one
 * stopped to its current end, so the dump is hashed from the page cache while it is written instead of being
 * read back (from disk, for a dump larger than the cache) after pg_dump exits. Not for pg_dump's custom
 * format, whose table of contents at the start of the file is rewritten at the end.
 *
 * A file found shorter at the end than what was hashed was not append-only after all: it is hashed again
 * from the start, so a wrong assumption costs time, never a wrong checksum in a manifest.
 */
export class AppendOnlyDigest {
  private readonly files = new Map<string, { hash: Hash; bytes: number }>();
  private readonly buffer = Buffer.allocUnsafe(BLOCK);
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly intervalMs = 1000,
  ) {}

  start(): this {
    this.timer = setInterval(() => {
      this.polling = this.polling.then(() => this.catchUp()).catch(() => undefined);
    }, this.intervalMs);
    this.timer.unref(); // never what keeps the process alive
    return this;
  }

  /** Bytes read and hashed so far. */
  get bytesHashed(): number {
    let n = 0;
    for (const state of this.files.values()) n += state.bytes;
    return n;
  }

  /** Stops polling without a result (the writer failed). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.polling;
  }

  /** After the writer has exited: reads what is left of every file and returns absolute path -> digest. */
  async finish(): Promise<Map<string, Omit<RunFile, 'path'>>> {
    await this.stop();
    await this.catchUp();
    const out = new Map<string, Omit<RunFile, 'path'>>();
    for (const [path, state] of this.files) {
      if ((await stat(path)).size !== state.bytes) {
        const again = { hash: createHash('sha256'), bytes: 0 };
        await readOn(path, again, this.buffer);
        out.set(path, { bytes: again.bytes, sha256: again.hash.digest('hex') });
      } else {
        out.set(path, { bytes: state.bytes, sha256: state.hash.digest('hex') });
      }
    }
    return out;
  }

  private async catchUp(): Promise<void> {
    for (const path of await filesBelow(this.path).catch(() => [])) {
      let state = this.files.get(path);
      if (!state) this.files.set(path, (state = { hash: createHash('sha256'), bytes: 0 }));
      const size = await stat(path).then((s) => s.size, () => state.bytes);
      if (size > state.bytes) await readOn(path, state, this.buffer);
    }
  }
}

/** Regular files at or below `path` (itself, if it is one). */
async function filesBelow(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const child = join(dir, entry.name);
      if (entry.isDirectory()) await walk(child);
      else if (entry.isFile()) files.push(child);
    }
  };
  await walk(path);
  return files;
}

/** Feeds `path` from byte `state.bytes` to its current end into `state.hash`. */
async function readOn(path: string, state: { hash: Hash; bytes: number }, buffer: Buffer, onBlock?: (bytes: number) => void): Promise<void> {
  const file = await open(path, 'r');
  try {
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, state.bytes);
      if (bytesRead === 0) break;
      state.hash.update(buffer.subarray(0, bytesRead));
      state.bytes += bytesRead;
      onBlock?.(bytesRead);
    }
  } finally {
    await file.close();
  }
}
