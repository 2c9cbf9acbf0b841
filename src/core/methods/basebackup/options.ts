// The basebackup method's options with their defaults, and what pg_basebackup of a given version can do with
// them: tar format always (one file per tablespace plus pg_wal.tar, which restore extracts), WAL streamed into
// the backup (so a base backup restores to its end without the archive), compression on the backup server.
import { COMPRESSION_RULES } from '../../dump/compression.js';
import type { BasebackupDumpSpec, BasebackupOptions, CompressionMethod, DumpSpec } from '../../model.js';

/** The basebackup fields as written (each may be omitted). */
export interface BasebackupInput {
  compression?: { method: CompressionMethod; level?: number };
  checkpoint?: BasebackupOptions['checkpoint'];
  maxRate?: string;
}

/** Every field of the basebackup method: its part of the Backup and Snapshot schemas. */
export const BASEBACKUP_FIELDS = ['compression', 'checkpoint', 'maxRate'] as const satisfies ReadonlyArray<keyof BasebackupOptions>;

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

export function normaliseBasebackupOptions(input: BasebackupInput): BasebackupOptions {
  const method = input.compression?.method ?? 'gzip';
  const level = input.compression?.level ?? COMPRESSION_RULES[method].defaultLevel ?? undefined;
  const options: BasebackupOptions = {
    compression: level === undefined ? { method } : { method, level },
    checkpoint: input.checkpoint ?? 'fast',
  };
  if (input.maxRate !== undefined) options.maxRate = input.maxRate;
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
