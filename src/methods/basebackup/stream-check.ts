// Checking a base backup against its backup_manifest while pg_basebackup writes it: every tar of a tablespace
// (base.tar* among them) is read as it grows (follow-file.ts), from the page cache, through one pass that
// hashes the file as written (its sha256 for our manifest.json) and, decompressed, computes each tar member's
// checksum, the one pg_basebackup was asked for (CRC32C, SHA256 or none: tar-members.ts). When pg_basebackup
// has exited, pg_wal.tar* is read the same way (it is rewritten in place while written, so only then; its
// segments are checked by size), and backup_manifest is parsed, its own checksum checked, and every file it
// lists compared with the members: present, same size, same checksum (manifest-check.ts). The backup is read
// once and never extracted. pg_verifybackup, which also decodes the WAL with pg_waldump, remains the check of
// `pgbackops verify` (verify-manifest.ts).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { Duplex, Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { followFile, type FollowState } from '../../adapters/fs/follow-file.js';
import type { ManifestChecksums } from '../../core/model.js';
import type { RunFile } from '../../core/runs/run-record.js';
import { checkTarsAgainstManifest, parseBackupManifest, type BackupTarMembers } from '../../core/methods/basebackup/manifest-check.js';
import { manifestAlgorithmName } from '../../core/methods/basebackup/member-checksum.js';
import { TarMemberReader, type TarMember } from '../../core/methods/basebackup/tar-members.js';
import type { ManifestCheck } from './verify-manifest.js';
import { backupTarPart } from './tar-files.js';

export interface StreamCheckResult {
  check: ManifestCheck;
  /** Absolute path -> size and sha256 of the files read (the tars and backup_manifest), for digestTree. */
  digests: Map<string, Omit<RunFile, 'path'>>;
}

interface TarDigest {
  name: string;
  part: string;
  bytes: number;
  sha256: string;
  members: TarMember[];
}

/** Start it before pg_basebackup, tell it when pg_basebackup exited, then finish() or abandon(). */
export class BackupStreamCheck {
  private exited = false;
  private given = false;
  private readonly following = new Map<string, Promise<TarDigest>>();
  private discovering: Promise<void> = Promise.resolve();
  private readonly state: FollowState = { writerDone: () => this.exited, abandoned: () => this.given };

  /** @param checksums what pg_basebackup was asked for (--manifest-checksums), computed of every member */
  constructor(private readonly directory: string, private readonly checksums: ManifestChecksums, private readonly pollMs = 50) {}

  /** Watches the directory (created by pg_basebackup) for tablespace tars and follows each as it appears. */
  start(): this {
    this.discovering = (async () => {
      while (!this.exited && !this.given) {
        await this.discover();
        await new Promise((r) => setTimeout(r, this.pollMs));
      }
    })();
    return this;
  }

  writerExited(): void {
    this.exited = true;
  }

  /** Stops reading (pg_basebackup failed): nothing is checked. */
  async abandon(): Promise<void> {
    this.given = true;
    this.exited = true;
    await this.discovering.catch(() => undefined);
    await Promise.allSettled(this.following.values());
  }

  /** After pg_basebackup succeeded: the rest of every tar, pg_wal.tar, and the comparison with backup_manifest. */
  async finish(walSegmentSize: number): Promise<StreamCheckResult> {
    this.exited = true;
    await this.discovering;
    await this.discover();
    const how = 'pgbackops tar check';
    const digests = new Map<string, Omit<RunFile, 'path'>>();
    const tars: BackupTarMembers[] = [];
    try {
      const read = await Promise.all(this.following.values());
      const wal = (await readdir(this.directory)).find((n) => backupTarPart(n) === 'pg_wal');
      if (wal) read.push(await digestTar(join(this.directory, wal), 'pg_wal', followFile(join(this.directory, wal), this.state), 'none'));
      for (const tar of read) {
        digests.set(join(this.directory, tar.name), { bytes: tar.bytes, sha256: tar.sha256 });
        tars.push({ part: tar.part, file: tar.name, members: tar.members });
      }
    } catch (err) {
      return { check: { ok: false, how, problem: (err as Error).message }, digests };
    }
    const manifestPath = join(this.directory, 'backup_manifest');
    const text = await readFile(manifestPath);
    digests.set(manifestPath, { bytes: text.length, sha256: createHash('sha256').update(text).digest('hex') });
    try {
      const manifest = parseBackupManifest(text.toString('utf8'));
      const report = checkTarsAgainstManifest(manifest, tars, walSegmentSize, this.checksums);
      const wal = report.walSegments ? `; WAL ${report.walSegments.first}${report.walSegments.count > 1 ? ` to ${report.walSegments.last}` : ''} complete` : '';
      const what = this.checksums === 'none' ? 'size (no checksums asked for)' : `size and ${manifestAlgorithmName(this.checksums)}`;
      const summary = `${how} (${report.filesChecked} files: ${what} against backup_manifest${wal})`;
      return { check: { ok: report.problems.length === 0, how: summary, problem: report.problems.length ? report.problems.join('\n') : null }, digests };
    } catch (err) {
      return { check: { ok: false, how, problem: (err as Error).message }, digests };
    }
  }

  private async discover(): Promise<void> {
    const names = await readdir(this.directory).catch(() => [] as string[]);
    for (const name of names) {
      const part = backupTarPart(name);
      if (part === null || part === 'pg_wal' || this.following.has(name)) continue;
      const path = join(this.directory, name);
      const digest = digestTar(path, part, followFile(path, this.state, this.pollMs), this.checksums);
      digest.catch(() => undefined); // awaited by finish() or abandon()
      this.following.set(name, digest);
    }
  }
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
