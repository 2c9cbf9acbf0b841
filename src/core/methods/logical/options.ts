// The logical method's options with their defaults: what a Backup or Snapshot written without them means,
// spelt out, so that the spec hash changes exactly when the effective dump does.
import { COMPRESSION_RULES } from '../../dump/compression.js';
import type { BackupType, CompressionMethod, DumpFormat, DumpSpec, LogicalDumpSpec, LogicalOptions } from '../../model.js';

/** The logical fields as written (each may be omitted). */
export interface LogicalInput {
  databases?: string[] | 'all';
  exclude?: string[];
  type?: BackupType;
  format?: DumpFormat;
  jobs?: number;
  compression?: { method: CompressionMethod; level?: number };
  includeSchemas?: string[];
  excludeSchemas?: string[];
  includeTables?: string[];
  excludeTables?: string[];
  extraArgs?: string[];
}

/** Every field of the logical method: the part of the Backup and Snapshot schemas that is the method's own. */
export const LOGICAL_FIELDS = [
  'databases', 'exclude', 'type', 'format', 'jobs', 'compression',
  'includeSchemas', 'excludeSchemas', 'includeTables', 'excludeTables', 'extraArgs',
] as const satisfies ReadonlyArray<keyof LogicalOptions>;

export function effectiveFormat(spec: Pick<LogicalInput, 'type' | 'format'>): DumpFormat {
  return spec.format ?? (spec.type === 'cluster' ? 'plain' : 'custom');
}

/** gzip unless the spec says otherwise, a cluster dump too (its SQL is piped through gzip: stream-compression.ts). */
export function effectiveCompression(spec: Pick<LogicalInput, 'type' | 'format' | 'compression'>): LogicalOptions['compression'] {
  const method = spec.compression?.method ?? (effectiveFormat(spec) === 'plain' && spec.type !== 'cluster' ? 'none' : 'gzip');
  const level = spec.compression?.level ?? COMPRESSION_RULES[method].defaultLevel ?? undefined;
  if (spec.compression !== undefined) return level === undefined ? { method } : { method, level };
  // A default: one shared frozen object per method, not one per definition (a fleet's specs are kept whole
  // while a configuration is validated and planned: 100,000 copies of the same default were garbage to move).
  return DEFAULT_COMPRESSIONS[method];
}

/** The defaults effectiveCompression gives: frozen, as they are shared by every spec that takes them. */
const DEFAULT_COMPRESSIONS = Object.fromEntries(
  (Object.keys(COMPRESSION_RULES) as CompressionMethod[]).map((m) => {
    const level = COMPRESSION_RULES[m].defaultLevel ?? undefined;
    return [m, Object.freeze(level === undefined ? { method: m } : { method: m, level })];
  }),
) as Record<CompressionMethod, LogicalOptions['compression']>;

/** The empty list a default gives: shared and frozen, like DEFAULT_COMPRESSIONS. */
const NONE: string[] = Object.freeze([]) as unknown as string[];

/** The options in the order plans have always printed them. */
export function normaliseLogicalOptions(input: LogicalInput): LogicalOptions {
  return {
    // A cluster dump always covers every database; validation refuses anything else.
    databases: input.databases ?? 'all',
    exclude: input.exclude ?? NONE,
    type: input.type ?? 'full',
    format: effectiveFormat(input),
    jobs: input.jobs ?? 1,
    compression: effectiveCompression(input),
    includeSchemas: input.includeSchemas ?? NONE,
    excludeSchemas: input.excludeSchemas ?? NONE,
    includeTables: input.includeTables ?? NONE,
    excludeTables: input.excludeTables ?? NONE,
    extraArgs: input.extraArgs ?? NONE,
  };
}

/** A spec the logical method was handed: logical by construction (the registry picks methods by `method:`). */
export function logicalSpecOf<T extends DumpSpec>(spec: T): T & LogicalDumpSpec {
  if (spec.method !== undefined) throw new Error(`the logical method was given a ${spec.method} spec`);
  return spec as T & LogicalDumpSpec;
}
