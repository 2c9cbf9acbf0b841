// The basebackup method's options with their defaults, and what pg_basebackup of a given version can do with
// them: tar format always (one file per tablespace plus pg_wal.tar, which restore extracts), WAL streamed into
// the backup (so a base backup restores to its end without the archive), compression on the backup server.
import { COMPRESSION_RULES } from '../../dump/compression.js';
import type { BasebackupDumpSpec, BasebackupOptions, CompressionMethod, DumpSpec, ManifestChecksums } from '../../model.js';

/** The basebackup fields as written (each may be omitted). */
export interface BasebackupInput {
  compression?: { method: CompressionMethod; level?: number };
  checkpoint?: BasebackupOptions['checkpoint'];
  maxRate?: string;
  manifestChecksums?: ManifestChecksums;
}

/** Every field of the basebackup method: its part of the Backup and Snapshot schemas. */
export const BASEBACKUP_FIELDS = ['compression', 'checkpoint', 'maxRate', 'manifestChecksums'] as const satisfies ReadonlyArray<keyof BasebackupOptions>;

/**
 * First pg_basebackup major that compresses a tar with each method on the client. 13 and 14 know gzip only
 * (-Z LEVEL); 15 added lz4 and zstd and the METHOD[:DETAIL] syntax of --compress.
 */
export const BASEBACKUP_COMPRESSION_SINCE: Readonly<Record<CompressionMethod, number>> = { gzip: 0, none: 0, lz4: 15, zstd: 15 };
export const BASEBACKUP_METHOD_SYNTAX_SINCE = 15;

/** pg_basebackup --max-rate accepts 32 kB/s to 1024 MB/s. */
const MAX_RATE = /^([0-9]+)([kM]?)$/;
export function maxRateKilobytes(rate: string): number | null {
  const m = MAX_RATE.exec(rate);
  if (!m) return null;
  return Number(m[1]) * (m[2] === 'M' ? 1024 : 1);
}

/**
 * The manifest checksum of a definition that does not choose one: CRC32C, PostgreSQL's own default. It detects
 * the accidental corruption (a torn copy, a flipped bit on disk) a manifest is for, at a small part of SHA256's
 * cost on the node, which hashes every file it sends, and on the backup server, which checks every file.
 * SHA256 is for those who want a cryptographic digest in backup_manifest. Applied when the command is built,
 * not written into the spec: a definition that omits it keeps its hash (the plan shows no change).
 */
export const DEFAULT_MANIFEST_CHECKSUMS: ManifestChecksums = 'crc32c';

export function manifestChecksumsOf(options: BasebackupOptions): ManifestChecksums {
  return options.manifestChecksums ?? DEFAULT_MANIFEST_CHECKSUMS;
}

export function normaliseBasebackupOptions(input: BasebackupInput): BasebackupOptions {
  const method = input.compression?.method ?? 'gzip';
  const level = input.compression?.level ?? COMPRESSION_RULES[method].defaultLevel ?? undefined;
  const options: BasebackupOptions = {
    compression: level === undefined ? { method } : { method, level },
    checkpoint: input.checkpoint ?? 'fast',
  };
  if (input.maxRate !== undefined) options.maxRate = input.maxRate;
  if (input.manifestChecksums !== undefined) options.manifestChecksums = input.manifestChecksums;
  return options;
}

/** A spec the basebackup method was handed: basebackup by construction (the registry picks methods by `method:`). */
export function basebackupSpecOf<T extends DumpSpec>(spec: T): T & BasebackupDumpSpec {
  if (spec.method !== 'basebackup') throw new Error(`the basebackup method was given a ${spec.method ?? 'logical'} spec`);
  return spec as T & BasebackupDumpSpec;
}

/** The file name suffix pg_basebackup gives its tars for a compression method. */
export function tarSuffix(method: CompressionMethod, level: number | undefined): string {
  if (method === 'none' || (method === 'gzip' && level === 0)) return '';
  return { gzip: '.gz', lz4: '.lz4', zstd: '.zst' }[method];
}
