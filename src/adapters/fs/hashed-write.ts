// Writing a stream to a new file while hashing it: one pass over the data instead of write-then-read.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Copies a stream to a new 0600 file, returning its size and sha256. */
export async function writeHashed(source: NodeJS.ReadableStream, path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  await pipeline(
    source,
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    }),
    createWriteStream(path, { mode: 0o600, flags: 'wx' }),
  );
  return { bytes, sha256: hash.digest('hex') };
}
