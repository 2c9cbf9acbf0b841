// The basebackup method's rules for its own fields of a Backup or Snapshot: what the schema cannot say.
import { COMPRESSION_RULES } from '../../dump/compression.js';
import { finding, type DocPath, type Finding } from '../../config/findings.js';
import { BASEBACKUP_COMPRESSION_SINCE, maxRateKilobytes, type BasebackupInput } from './options.js';

export function basebackupSpecFindings(spec: BasebackupInput): Finding[] {
  const out: Finding[] = [];
  if (spec.maxRate !== undefined) {
    const kb = maxRateKilobytes(spec.maxRate);
    if (kb !== null && (kb < 32 || kb > 1024 * 1024)) {
      out.push(finding('E_SCHEMA_RANGE', ['spec', 'maxRate'], `maxRate ${spec.maxRate} is outside what pg_basebackup accepts: 32k to 1024M per second`));
    }
  }
  if (spec.compression) {
    const { method, level } = spec.compression;
    const rule = COMPRESSION_RULES[method];
    if (method === 'none' && level !== undefined) {
      out.push(finding('E_COMPRESSION_UNSUPPORTED', ['spec', 'compression', 'level'], 'compression method none takes no level: remove level'));
    } else if (level !== undefined && (level < (rule.minLevel ?? 0) || level > (rule.maxLevel ?? 0))) {
      out.push(finding('E_COMPRESSION_UNSUPPORTED', ['spec', 'compression', 'level'], `${method} level ${level} is out of range: ${method} accepts ${rule.minLevel}-${rule.maxLevel}`));
    }
  }
  return out;
}

/**
 * Compression against the backup server's PostgreSQL client tools (its declared `pgDumpVersion`, the version
 * of the client package that also brings pg_basebackup); undefined when the server is unknown.
 */
export function basebackupServerFindings(spec: BasebackupInput, clientMajor: number | undefined, fromServer: boolean): Finding[] {
  const method = spec.compression?.method;
  if (method === undefined || clientMajor === undefined) return [];
  const since = BASEBACKUP_COMPRESSION_SINCE[method];
  if (clientMajor >= since) return [];
  const at: DocPath = ['spec', 'compression', 'method'];
  const source = fromServer ? "the backup server's pgDumpVersion" : 'assumed: the BackupServer does not declare pgDumpVersion';
  return [finding('E_COMPRESSION_UNSUPPORTED', at, `compression ${method} needs pg_basebackup ${since} or later, and the client tools here are ${clientMajor} (${source}); use gzip, or newer client tools`)];
}
