// Checking a base backup against its backup_manifest while pg_basebackup writes it: every tar of a tablespace
// (base.tar* among them) is read as it grows (follow-file.ts), from the page cache, through one pass that
// hashes the file as written (its sha256 for our manifest.json) and, decompressed, digests each tar member
// (tar-members.ts). When pg_basebackup has exited, pg_wal.tar* is read the same way (it is rewritten in place
// while written, so only then), and backup_manifest is parsed, its own checksum checked, and every file it
// lists compared with the members: present, same size, same SHA256 (manifest-check.ts). The backup is read
// once and never extracted. pg_verifybackup, which also decodes the WAL with pg_waldump, remains the check of
// `pgbackops verify` (verify-manifest.ts).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Duplex, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { followFile, type FollowState } from '../../adapters/fs/follow-file.js';
import type { RunFile } from '../../core/runs/run-record.js';
import { checkTarsAgainstManifest, parseBackupManifest, type BackupTarMembers } from '../../core/methods/basebackup/manifest-check.js';
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

  constructor(private readonly directory: string, private readonly pollMs = 50) {}

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
      if (wal) read.push(await digestTar(join(this.directory, wal), 'pg_wal', followFile(join(this.directory, wal), this.state)));
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
      const report = checkTarsAgainstManifest(manifest, tars, walSegmentSize);
      const wal = report.walSegments ? `; WAL ${report.walSegments.first}${report.walSegments.count > 1 ? ` to ${report.walSegments.last}` : ''} complete` : '';
      const summary = `${how} (${report.filesChecked} files: size and SHA256 against backup_manifest${wal})`;
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
      const digest = digestTar(path, part, followFile(path, this.state, this.pollMs));
      digest.catch(() => undefined); // awaited by finish() or abandon()
      this.following.set(name, digest);
    }
  }
}

/** One pass over a tar file's bytes: the file's sha256, and its members' sizes and sha256 after decompression. */
export async function digestTar(path: string, part: string, chunks: AsyncIterable<Buffer>): Promise<TarDigest> {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const fileHash = createHash('sha256');
  let bytes = 0;
  const reader = new TarMemberReader();
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      fileHash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const compression = /\.(gz|lz4|zst)$/.exec(name)?.[1];
  // The tar's own error, kept: the pipeline may reject with the abort of its source instead.
  let tarError: Error | null = null;
  const members = async (source: AsyncIterable<Buffer>) => {
    try {
      for await (const chunk of source) reader.push(chunk);
    } catch (err) {
      tarError ??= err as Error;
      throw err;
    }
  };
  try {
    const input = Readable.from(chunks, { objectMode: false });
    if (compression) await pipeline(input, tap, decompressor(compression), members);
    else await pipeline(input, tap, members);
    return { name, part, bytes, sha256: fileHash.digest('hex'), members: reader.end() };
  } catch (err) {
    throw new Error(`${name}: ${(tarError ?? (err as Error)).message}`);
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
