// A base backup's tar files (pg_basebackup --format=tar): base.tar[.gz|.lz4|.zst] for the data directory,
// <OID>.tar* per tablespace, pg_wal.tar* for the WAL streamed during the backup. Extracted with the system's
// GNU tar (argv only), which recognises gzip, lz4 and zstd archives by their content when reading.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { join } from 'node:path';
import { runProgram } from '../../adapters/postgres/run-program.js';

const TAR = /^(base|pg_wal|\d+)\.tar(\.gz|\.lz4|\.zst)?$/;

export interface BackupTar {
  name: string;
  /** base, pg_wal, or a tablespace OID. */
  part: string;
}

/** base, pg_wal or a tablespace OID for one of a backup's tar files; null for any other name. */
export function backupTarPart(name: string): string | null {
  return TAR.exec(name)?.[1] ?? null;
}

export async function backupTars(directory: string): Promise<BackupTar[]> {
  const out: BackupTar[] = [];
  for (const name of await readdir(directory)) {
    const part = backupTarPart(name);
    if (part !== null) out.push({ name, part });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** GNU tar recognises a compressed archive by its content only in a file it can seek: from a pipe it is told. */
const DECOMPRESS: Record<string, string> = { '.gz': '--gzip', '.lz4': '--use-compress-program=lz4', '.zst': '--zstd' };

/**
 * Extracts one tar into `into` (which exists). Throws with tar's message when it fails. With `digest`, the file
 * is read once by this process, hashed on the way and piped to tar, so that its sha256 comes with the
 * extraction instead of from a read of its own before it.
 */
export async function extractTar(file: string, into: string, abort?: AbortSignal, digest?: FileDigest): Promise<void> {
  // --no-same-owner: the files belong to whoever extracts (the caller hands them to the PostgreSQL OS user).
  const common = [`--directory=${into}`, '--no-same-owner', '--delay-directory-restore'];
  let stdin: NodeJS.ReadableStream | undefined;
  let args = ['--extract', `--file=${file}`, ...common];
  if (digest) {
    const flag = DECOMPRESS[/\.(gz|lz4|zst)$/.exec(file)?.[0] ?? ''];
    args = ['--extract', '--file=-', ...(flag ? [flag] : []), ...common];
    stdin = createReadStream(file, { highWaterMark: 1 << 20 }).pipe(new Transform({
      transform(chunk: Buffer, _encoding, done) {
        digest.hash.update(chunk);
        digest.bytes += chunk.length;
        done(null, chunk);
      },
    }));
  }
  const result = await runProgram('tar', args, {
    env: { ...process.env, LC_ALL: 'C' },
    ...(stdin ? { stdin } : {}),
    ...(abort ? { abort } : {}),
  });
  if (result.exitCode !== 0) {
    throw new Error(`tar could not extract ${file}: ${result.spawnError?.message ?? (result.stderr.trim() || `exit ${result.exitCode ?? result.signal}`)}`);
  }
}

export interface FileDigest {
  hash: Hash;
  bytes: number;
}

/**
 * Extracts a base backup's tars the way PostgreSQL lays them out: base.tar into `dataDir`, pg_wal.tar into
 * its pg_wal/. With `digests`, each tar's sha256 and size as read is put there under its name. Tablespaces are refused: restoring them needs a mapping of their locations, which a directory
 * restore does not have.
 */
export async function extractBackup(directory: string, dataDir: string, abort?: AbortSignal, digests?: Map<string, FileDigest>): Promise<void> {
  const tars = await backupTars(directory);
  const tablespaces = tars.filter((t) => t.part !== 'base' && t.part !== 'pg_wal');
  if (tablespaces.length > 0) throw new Error(`the backup holds tablespaces (${tablespaces.map((t) => t.name).join(', ')}), which a restore into one directory cannot place`);
  const base = tars.find((t) => t.part === 'base');
  if (!base) throw new Error(`no base.tar in ${directory}`);
  const digestOf = (name: string): FileDigest | undefined => {
    if (!digests) return undefined;
    const d: FileDigest = { hash: createHash('sha256'), bytes: 0 };
    digests.set(name, d);
    return d;
  };
  await extractTar(join(directory, base.name), dataDir, abort, digestOf(base.name));
  const wal = tars.find((t) => t.part === 'pg_wal');
  if (wal) await extractTar(join(directory, wal.name), join(dataDir, 'pg_wal'), abort, digestOf(wal.name));
}
