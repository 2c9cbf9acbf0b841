// One pass over a base backup's tar file: its sha256 as written (for our manifest.json) and, decompressed, each
// member's size and checksum (tar-members.ts), the one pg_basebackup was asked for. Used by the tar check's own
// process (tar-check-process.ts), which reads each tar as pg_basebackup writes it.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { Duplex, Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { ManifestChecksums } from '../../core/model.js';
import { TarMemberReader, type TarMember } from '../../core/methods/basebackup/tar-members.js';

export interface TarDigest {
  name: string;
  part: string;
  bytes: number;
  sha256: string;
  members: TarMember[];
}

/** What the tar check's process prints (tar-check-process.ts): every tar's digest, or why it could not read them. */
export interface TarCheckOutput {
  tars?: TarDigest[];
  error?: string;
}

/**
 * One pass over a tar file's bytes: the file's sha256, and its members' sizes and checksums (`algorithm`)
 * after decompression. No stream stages of its own: each chunk read is hashed and written to the decompressor,
 * whose output goes straight to the tar reader (a 'data' listener, no async iteration per chunk).
 */
export async function digestTar(path: string, part: string, chunks: AsyncIterable<Buffer>, algorithm: ManifestChecksums): Promise<TarDigest> {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const fileHash = createHash('sha256');
  let bytes = 0;
  const reader = new TarMemberReader(algorithm);
  const compression = /\.(gz|lz4|zst)$/.exec(name)?.[1];
  try {
    if (!compression) {
      for await (const chunk of chunks) {
        fileHash.update(chunk);
        bytes += chunk.length;
        reader.push(chunk);
      }
    } else {
      const inflate = decompressor(compression);
      // The tar's own error, kept: the decompressor is destroyed with it and the read stops there.
      let tarError: Error | null = null;
      inflate.on('data', (chunk: Buffer) => {
        try {
          reader.push(chunk);
        } catch (err) {
          tarError ??= err as Error;
          inflate.destroy(tarError);
        }
      });
      const done = finished(inflate);
      done.catch(() => undefined); // awaited below, after the last write
      try {
        for await (const chunk of chunks) {
          if (tarError) break;
          fileHash.update(chunk);
          bytes += chunk.length;
          if (!inflate.write(chunk)) await Promise.race([once(inflate, 'drain'), done]);
        }
        inflate.end();
        await done;
      } catch (err) {
        throw tarError ?? err;
      } finally {
        inflate.destroy();
      }
      if (tarError) throw tarError;
    }
    return { name, part, bytes, sha256: fileHash.digest('hex'), members: reader.end() };
  } catch (err) {
    throw new Error(`${name}: ${(err as Error).message}`);
  }
}

/** gzip in this process (zlib works on libuv's threads); lz4 and zstd by their command-line tools, as filters. */
function decompressor(kind: string): Duplex {
  // Large output chunks: at zlib's default 16 KiB, handing each chunk between threads cost more than inflating.
  if (kind === 'gz') return createGunzip({ chunkSize: 1 << 20 });
  const tool = kind === 'lz4' ? 'lz4' : 'zstd';
  const child = spawn(tool, ['-d', '-c', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${tool} -d failed (${code ?? signal}): ${stderr.trim()}`))));
  });
  exited.catch(() => undefined);
  async function* output(): AsyncGenerator<Buffer> {
    for await (const chunk of child.stdout) yield chunk as Buffer;
    await exited;
  }
  // One stage of the pipeline: bytes go to the tool's stdin, its stdout comes out (and its failure with it).
  return Duplex.from({ writable: child.stdin, readable: Readable.from(output()) });
}
