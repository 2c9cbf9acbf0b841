// A cluster dump's compression. pg_dumpall writes plain SQL and cannot compress it (pg_dump compresses its
// own archives: compression.ts), so its output is piped through the compression program of the definition's
// method, as a DBA would write `pg_dumpall | zstd > dump.sql.zst`: gzip, lz4 or zstd, each its own process
// beside pg_dumpall. The file's suffix says how it is compressed, which is how restore and verify know what
// reads it back; a cluster dump without a suffix (written before dumps were compressed, or with
// `method: none`) is plain SQL. Pure: argv only.
import type { CompressionMethod } from '../model.js';
import { COMPRESSION_RULES } from './compression.js';

/** One program of a pipeline: its name, found on PATH, and its arguments. */
export interface StreamProgram {
  program: 'gzip' | 'lz4' | 'zstd';
  args: string[];
}

const SUFFIX: Record<Exclude<CompressionMethod, 'none'>, string> = { gzip: '.gz', lz4: '.lz4', zstd: '.zst' };

/** The plain SQL a cluster dump holds, before a compression suffix. */
export const CLUSTER_DUMP_FILE = 'dump.sql';

/** Whether `method` at `level` compresses at all: gzip level 0 means no compression, as it does for pg_dump. */
function compresses(compression: { method: CompressionMethod; level?: number }): compression is { method: Exclude<CompressionMethod, 'none'>; level?: number } {
  return compression.method !== 'none' && !(compression.method === 'gzip' && compression.level === 0);
}

/** The file a cluster dump is written to: dump.sql, dump.sql.gz, dump.sql.lz4 or dump.sql.zst. */
export function clusterDumpFile(compression: { method: CompressionMethod; level?: number }): string {
  return compresses(compression) ? `${CLUSTER_DUMP_FILE}${SUFFIX[compression.method]}` : CLUSTER_DUMP_FILE;
}

/** How a cluster dump file is compressed, from its name; null when the name is no cluster dump's. */
export function clusterDumpCompression(fileName: string): CompressionMethod | null {
  if (fileName === CLUSTER_DUMP_FILE) return 'none';
  for (const [method, suffix] of Object.entries(SUFFIX)) {
    if (fileName === `${CLUSTER_DUMP_FILE}${suffix}`) return method as CompressionMethod;
  }
  return null;
}

/** The cluster dump among a backup's files (the first that is one), or null. */
export function clusterDumpFileIn(fileNames: readonly string[]): string | null {
  return fileNames.find((name) => clusterDumpCompression(name) !== null) ?? null;
}

/** The program that compresses stdin to stdout at the definition's level (or the method's default); null for none. */
export function compressCommand(compression: { method: CompressionMethod; level?: number }): StreamProgram | null {
  if (!compresses(compression)) return null;
  const level = compression.level ?? COMPRESSION_RULES[compression.method].defaultLevel!;
  switch (compression.method) {
    case 'gzip':
      // --no-name: no file name or time stamp in the header, so the same SQL compresses to the same bytes.
      return { program: 'gzip', args: ['--stdout', '--no-name', `-${level}`] };
    case 'lz4':
      return { program: 'lz4', args: ['-q', '-c', `-${level}`] };
    case 'zstd':
      // Levels above 19 need --ultra (they use far more memory, which the definition asked for).
      return { program: 'zstd', args: ['-q', '-c', ...(level > 19 ? ['--ultra'] : []), `-${level}`] };
  }
}

/** The program that writes the SQL of a compressed `file` to stdout; null for plain SQL. */
export function decompressCommand(method: CompressionMethod, file: string | null): StreamProgram | null {
  if (method === 'none') return null;
  // `--` : the path is never read as an option, whatever it starts with. No file: standard input (a stream
  // decrypted on its way in).
  const source = file === null ? [] : ['--', file];
  return method === 'gzip'
    ? { program: 'gzip', args: ['--decompress', '--stdout', ...source] }
    : { program: method, args: ['-q', '-d', '-c', ...source] };
}

/** The program that checks a compressed `file` end to end (its checksums and framing) without writing it out. */
export function testCommand(method: CompressionMethod, file: string): StreamProgram | null {
  if (method === 'none') return null;
  return method === 'gzip' ? { program: 'gzip', args: ['--test', '--', file] } : { program: method, args: ['-q', '-t', '--', file] };
}
