// Reading a node's WAL archive (<backupRoot>/<node>/_wal/, wal-archive-layout.ts): its files with when each was
// written, summarised per timeline by src/core/wal/archive-range.ts. Used by restore (is the archive gapless
// from the backup's start to the target?), `check` and `wal-fetch`. Read-only.
import { copyFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { join } from 'node:path';
import { runProgram } from '../../adapters/os/run-program.js';
import type { ArchiveEntry } from '../../core/wal/archive-range.js';
import { parseWalFileName } from '../../core/wal/wal-segment.js';

/** The archive's files (WAL names only; anything else, such as a writer's temporary file, is left out). */
export async function listArchive(directory: string): Promise<ArchiveEntry[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: ArchiveEntry[] = [];
  for (const name of names) {
    if (!parseWalFileName(name)) continue;
    const st = await stat(join(directory, name)).catch(() => null);
    if (st?.isFile()) out.push({ name, mtimeMs: st.mtimeMs });
  }
  return out;
}

const SUFFIXES = ['', '.gz', '.lz4', '.zst'] as const;

/**
 * Where the archive holds `walName` (what restore_command's %f asks for): the segment or history file itself,
 * compressed or not; for a segment, the `.partial` segment pg_receivewal is writing when the complete one is
 * not there yet, which holds the newest WAL (PostgreSQL asks for it under its full name). Null when absent.
 */
export async function findArchived(directory: string, walName: string): Promise<string | null> {
  const parsed = parseWalFileName(walName);
  // Only names PostgreSQL asks for: a segment, a history file or a backup history file, never a path.
  if (!parsed || parsed.name !== walName || (parsed.kind === 'segment' && (parsed.partial || parsed.compression))) return null;
  const candidates = SUFFIXES.map((s) => walName + s);
  if (parsed.kind === 'segment') candidates.push(...SUFFIXES.map((s) => `${walName}${s}.partial`), ...SUFFIXES.slice(1).map((s) => `${walName}.partial${s}`));
  for (const name of candidates) {
    const path = join(directory, name);
    if ((await stat(path).catch(() => null))?.isFile()) return path;
  }
  return null;
}

/**
 * Copies an archived file to `destination` (restore_command's %p), decompressing it: to a temporary name
 * beside it first, then renamed, so PostgreSQL never reads a half-copied segment.
 */
export async function fetchArchived(source: string, destination: string): Promise<void> {
  const temp = `${destination}.pgbackops-fetch`;
  try {
    const compressed = /\.(gz|lz4|zst)(\.partial)?$/.exec(source)?.[1];
    if (!compressed) {
      await copyFile(source, temp);
    } else if (compressed === 'gz') {
      await pipeline(createReadStream(source), createGunzip(), createWriteStream(temp, { mode: 0o600 }));
    } else {
      const tool = compressed === 'lz4' ? 'lz4' : 'zstd';
      const result = await runProgram(tool, ['-d', '-q', '-f', source, '-o', temp]);
      if (result.exitCode !== 0) throw new Error(`${tool} could not decompress ${source}: ${result.spawnError?.message ?? result.stderr.trim()}`);
    }
    await rename(temp, destination);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
