// A base backup's tar files (pg_basebackup --format=tar): base.tar[.gz|.lz4|.zst] for the data directory,
// <OID>.tar* per tablespace, pg_wal.tar* for the WAL streamed during the backup. Extracted with the system's
// GNU tar (argv only), which recognises gzip, lz4 and zstd archives by their content when reading.
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runProgram } from '../../adapters/os/run-program.js';

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

/** Extracts one tar into `into` (which exists). Throws with tar's message when it fails. */
export async function extractTar(file: string, into: string, abort?: AbortSignal): Promise<void> {
  // --no-same-owner: the files belong to whoever extracts (the caller hands them to the PostgreSQL OS user).
  const result = await runProgram('tar', ['--extract', `--file=${file}`, `--directory=${into}`, '--no-same-owner', '--delay-directory-restore'], {
    env: { ...process.env, LC_ALL: 'C' },
    ...(abort ? { abort } : {}),
  });
  if (result.exitCode !== 0) {
    throw new Error(`tar could not extract ${file}: ${result.spawnError?.message ?? (result.stderr.trim() || `exit ${result.exitCode ?? result.signal}`)}`);
  }
}

export interface ExtractOptions {
  abort?: AbortSignal;
  /** Where each tablespace (by OID) is extracted, an existing directory; a tablespace without one is refused. */
  tablespace?: (oid: string) => string | null;
}

/**
 * Extracts a base backup's tars the way PostgreSQL lays them out: base.tar into `dataDir`, pg_wal.tar into
 * its pg_wal/, each <OID>.tar into the directory `tablespace` gives for it (a tablespace the caller did not
 * place is refused before anything is extracted).
 */
export async function extractBackup(directory: string, dataDir: string, options: ExtractOptions = {}): Promise<void> {
  const { abort } = options;
  const tars = await backupTars(directory);
  const tablespaces = tars.filter((t) => t.part !== 'base' && t.part !== 'pg_wal').map((t) => ({ tar: t, into: options.tablespace?.(t.part) ?? null }));
  const unplaced = tablespaces.filter((t) => t.into === null);
  if (unplaced.length > 0) throw new Error(`the backup holds tablespaces (${unplaced.map((t) => t.tar.name).join(', ')}) with no location given to restore them to`);
  const base = tars.find((t) => t.part === 'base');
  if (!base) throw new Error(`no base.tar in ${directory}`);
  await extractTar(join(directory, base.name), dataDir, abort);
  const wal = tars.find((t) => t.part === 'pg_wal');
  if (wal) await extractTar(join(directory, wal.name), join(dataDir, 'pg_wal'), abort);
  for (const t of tablespaces) {
    await mkdir(t.into!, { recursive: true, mode: 0o700 });
    await extractTar(join(directory, t.tar.name), t.into!, abort);
  }
}

/** One member of a tar (base.tar's tablespace_map), as text; null when the tar does not hold it. */
export async function readTarMember(file: string, member: string): Promise<string | null> {
  const result = await runProgram('tar', ['--extract', '--to-stdout', `--file=${file}`, '--', member], { env: { ...process.env, LC_ALL: 'C' } });
  if (result.exitCode !== 0) {
    if (/Not found in archive/.test(result.stderr)) return null;
    throw new Error(`tar could not read ${member} from ${file}: ${result.spawnError?.message ?? (result.stderr.trim() || `exit ${result.exitCode ?? result.signal}`)}`);
  }
  return result.stdout;
}
