// Reading a file while another process writes it front to back (pg_basebackup's base.tar*), so that what is
// written is read from the page cache at once instead of read back after the writer exits. Like `tail -f`
// that knows when to stop: once the writer has exited, the rest of the file is read and the iteration ends.
//
// While the writer runs, the file is read in whole blocks only (1 MiB, when that much has been written past what
// was read), never in the small pieces a writer appends between two polls: every chunk costs its reader a
// round of work (a decompressor's hand-over between threads, a buffer), and a base backup's check spent about
// a third more CPU reading at each 50 ms poll whatever was there. The last partial block is read once the
// writer has exited, at most a block behind it.
//
// Only for writers that append: bytes already read are never read again, so a writer that rewrote a part of
// the file would go unseen. pg_basebackup writes each tablespace's tar sequentially (plain, or through gzip,
// lz4 or zstd), but not pg_wal.tar, whose member headers it rewrites when a segment is closed: that one is read
// after it exits.
import { open, type FileHandle } from 'node:fs/promises';

const BLOCK = 1 << 20;

export interface FollowState {
  /** True once the writer has exited: what the file holds then is all it will hold. */
  writerDone(): boolean;
  /** True when the reading is given up (the writer failed): the iteration ends where it is. */
  abandoned(): boolean;
}

/**
 * The file's bytes, in order, as they are written. A file that does not exist yet is waited for while the
 * writer runs; if it never appears, nothing is yielded.
 */
export async function* followFile(path: string, state: FollowState, pollMs = 50): AsyncGenerator<Buffer> {
  let file: FileHandle | null = null;
  while (!file) {
    if (state.abandoned()) return;
    const done = state.writerDone();
    file = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
      return null;
    });
    if (!file) {
      if (done) return;
      await sleep(pollMs);
    }
  }
  try {
    let position = 0;
    let buffer = Buffer.allocUnsafe(BLOCK);
    for (;;) {
      if (state.abandoned()) return;
      // Asked before reading: if the writer was done then, a read that finds nothing more means the end.
      const done = state.writerDone();
      if (!done && (await file.stat()).size - position < BLOCK) {
        await sleep(pollMs);
        continue;
      }
      const { bytesRead } = await file.read(buffer, 0, BLOCK, position);
      if (bytesRead > 0) {
        position += bytesRead;
        const chunk = bytesRead === BLOCK ? buffer : buffer.subarray(0, bytesRead);
        // The reader may still hold the chunk (a decompressor's queue): the next read gets a new buffer.
        buffer = Buffer.allocUnsafe(BLOCK);
        yield chunk;
      } else if (done) {
        return;
      } else {
        await sleep(pollMs);
      }
    }
  } finally {
    await file.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
