// Compression of a pg_dump archive: which methods a pg_dump version knows, their level ranges and defaults,
// and the argv that asks for them. One table, used by the argv builder and by configuration checks.
import type { CompressionMethod } from '../model.js';

export interface CompressionRule {
  /** First pg_dump major that accepts the method. */
  sinceMajor: number;
  /** Level used when the spec gives none. */
  defaultLevel: number | null;
  minLevel: number | null;
  maxLevel: number | null;
}

export const COMPRESSION_RULES: Record<CompressionMethod, CompressionRule> = {
  gzip: { sinceMajor: 0, defaultLevel: 6, minLevel: 0, maxLevel: 9 },
  // pg_dump 16 added lz4 and zstd (and the METHOD[:DETAIL] syntax of --compress).
  lz4: { sinceMajor: 16, defaultLevel: 1, minLevel: 1, maxLevel: 12 },
  zstd: { sinceMajor: 16, defaultLevel: 3, minLevel: 1, maxLevel: 22 },
  none: { sinceMajor: 0, defaultLevel: null, minLevel: null, maxLevel: null },
};

/** First pg_dump major whose --compress takes METHOD[:LEVEL]; older ones take only a gzip level. */
export const METHOD_SYNTAX_SINCE_MAJOR = 16;

/** Why this compression cannot be asked of this pg_dump, or null when it can. */
export function compressionProblem(method: CompressionMethod, level: number | undefined, toolMajor: number): string | null {
  const rule = COMPRESSION_RULES[method];
  if (toolMajor < rule.sinceMajor) {
    return `compression method ${method} needs pg_dump ${rule.sinceMajor} or later (this pg_dump is ${toolMajor}); use gzip or none`;
  }
  if (level === undefined) return null;
  if (rule.minLevel === null || rule.maxLevel === null) return `compression method ${method} takes no level`;
  if (!Number.isInteger(level) || level < rule.minLevel || level > rule.maxLevel) {
    return `compression level ${level} is outside ${rule.minLevel}-${rule.maxLevel} for ${method}`;
  }
  return null;
}

/**
 * The one --compress argument for pg_dump `toolMajor`. Always explicit, so that what a backup holds does not
 * depend on a format's default (custom and directory compress by default, plain does not).
 * Throws when compressionProblem() reports one.
 */
export function compressionArg(method: CompressionMethod, level: number | undefined, toolMajor: number): string {
  const problem = compressionProblem(method, level, toolMajor);
  if (problem) throw new Error(problem);
  const effective = level ?? COMPRESSION_RULES[method].defaultLevel;
  if (toolMajor < METHOD_SYNTAX_SINCE_MAJOR) {
    // Only gzip here (checked above): the argument is its level, 0 meaning uncompressed.
    return `--compress=${method === 'none' ? 0 : effective}`;
  }
  // gzip level 0 is "no compression", which 16+ spells `none` (its gzip accepts only 1-9).
  if (method === 'none' || (method === 'gzip' && effective === 0)) return '--compress=none';
  return `--compress=${method}:${effective}`;
}
