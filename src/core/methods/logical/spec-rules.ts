// The logical method's rules for its own fields of a Backup or Snapshot (pg_dump / pg_dumpall options), with
// the path of each problem in the document: what the schema cannot say, or should explain better.
import { COMPRESSION_RULES } from '../../dump/compression.js';
import { extraArgProblem } from '../../dump/extra-args.js';
import { pushDatabaseName } from '../../config/database-names.js';
import { finding, type DocPath, type Finding } from '../../config/findings.js';
import { effectiveFormat, type LogicalInput } from './options.js';

const FILTERS = ['includeSchemas', 'excludeSchemas', 'includeTables', 'excludeTables'] as const;

/** The logical fields of one Backup or Snapshot: databases, type, format, jobs, filters and pg_dump arguments. */
export function logicalSpecFindings(spec: LogicalInput): Finding[] {
  const out: Finding[] = [];
  out.push(...databaseFindings(spec));
  out.push(...typeFindings(spec));
  const format = effectiveFormat(spec);
  if ((spec.jobs ?? 1) > 1 && format !== 'directory') {
    out.push(finding('E_JOBS_NEEDS_DIRECTORY', ['spec', 'jobs'], `jobs: ${spec.jobs} needs format: directory (pg_dump runs parallel jobs only into a directory); the format here is ${format}`));
  }
  const tool = spec.type === 'cluster' ? 'pg_dumpall' : 'pg_dump';
  (spec.extraArgs ?? []).forEach((arg, i) => {
    const problem = extraArgProblem(arg, tool);
    if (problem) out.push(finding('E_EXTRA_ARG_FORBIDDEN', ['spec', 'extraArgs', i], `extraArgs[${i}]: ${problem}`));
  });
  return out;
}

/**
 * Encrypted backups are streamed from pg_dump's (pg_dumpall's) standard output through age into the file:
 * the directory format writes its files itself, which cannot be encrypted without plaintext on disk.
 */
export function logicalEncryptionFindings(spec: LogicalInput, from: 'spec' | 'server'): Finding[] {
  if (spec.type === 'cluster' || effectiveFormat(spec) !== 'directory') return [];
  const why = from === 'server' ? "its backup server's default encryption applies to it" : 'it is encrypted';
  return [finding('E_ENCRYPTION_UNSUPPORTED', ['spec', 'format'],
    `format: directory cannot be encrypted (pg_dump writes its files itself, so they would be plaintext on disk) and ${why}: use format: custom (one file, encrypted as it is written)${from === 'server' ? ', or encryption: none to keep this backup unencrypted' : ''}`)];
}

function databaseFindings(spec: LogicalInput): Finding[] {
  const out: Finding[] = [];
  if (Array.isArray(spec.databases)) {
    spec.databases.forEach((name, i) => pushDatabaseName(out, name, ['spec', 'databases', i]));
    if (spec.databases.length === 1 && spec.databases[0] === 'all') {
      out.push(finding('W_DATABASES_LIST_ALL', ['spec', 'databases'], 'databases is the list [all], which names one database called "all"; write databases: all (without brackets) for every database'));
    }
    if ((spec.exclude ?? []).length > 0) {
      out.push(finding('W_EXCLUDE_IGNORED', ['spec', 'exclude'], 'exclude only applies to databases: all; with an explicit list it is ignored', 'key'));
    }
  }
  (spec.exclude ?? []).forEach((name, i) => pushDatabaseName(out, name, ['spec', 'exclude', i]));
  return out;
}

/** What each backup type can be combined with: cluster is pg_dumpall (plain SQL, whole cluster). */
function typeFindings(spec: LogicalInput): Finding[] {
  const out: Finding[] = [];
  const type = spec.type ?? 'full';
  if (type === 'cluster') {
    if (spec.format !== undefined && spec.format !== 'plain') {
      out.push(finding('E_FORMAT_INVALID_FOR_TYPE', ['spec', 'format'], `format: ${spec.format} is not possible with type: cluster: pg_dumpall writes plain SQL only; use format: plain or omit it`));
    }
    if (spec.databases !== undefined && spec.databases !== 'all') {
      out.push(finding('E_FORMAT_INVALID_FOR_TYPE', ['spec', 'databases'], 'type: cluster dumps every database of the node: omit databases (or write databases: all); to dump chosen databases use type: full'));
    }
    for (const filter of FILTERS) {
      if ((spec[filter] ?? []).length > 0) {
        out.push(finding('E_FILTER_INVALID_FOR_TYPE', ['spec', filter], `${filter} is not possible with type: cluster (pg_dumpall has no schema or table filters); use type: full, schema or data`, 'key'));
      }
    }
    return out;
  }
  if (spec.format === 'plain') {
    out.push(finding('E_FORMAT_INVALID_FOR_TYPE', ['spec', 'format'], `format: plain is only for type: cluster; a ${type} backup uses custom (one file) or directory (parallel jobs) so that it can be restored selectively`));
  }
  if (spec.databases === undefined) {
    out.push(finding('E_SCHEMA_REQUIRED', ['spec', 'databases'], `spec is missing the required field "databases" (a ${type} backup needs a list of database names, or all)`, 'parent'));
  }
  return out;
}

/**
 * Compression against the pg_dump of the backup server that runs it: `pgDumpVersion` is undefined when the
 * server is unknown (a dangling reference, reported on its own); `fromServer` says whether the server declared it.
 */
export function logicalServerFindings(spec: LogicalInput, pgDumpVersion: number | undefined, fromServer: boolean): Finding[] {
  if (!spec.compression) return [];
  const { method, level } = spec.compression;
  const at: DocPath = ['spec', 'compression'];
  const format = effectiveFormat(spec);
  // A cluster dump's plain SQL is compressed by a program of its own (gzip, lz4, zstd: stream-compression.ts),
  // so its methods do not depend on the pg_dump version.
  const cluster = spec.type === 'cluster';
  if (format === 'plain' && !cluster && method !== 'none') {
    return [finding('E_COMPRESSION_UNSUPPORTED', [...at, 'method'], `compression ${method} is not possible with format: plain (plain SQL output is not compressed); use method: none or omit compression`)];
  }
  if (method === 'none') {
    return level === undefined ? [] : [finding('E_COMPRESSION_UNSUPPORTED', [...at, 'level'], 'compression method none takes no level: remove level')];
  }
  const out: Finding[] = [];
  const rule = COMPRESSION_RULES[method];
  if (!cluster && pgDumpVersion !== undefined && pgDumpVersion < rule.sinceMajor) {
    const source = fromServer ? "the backup server's pgDumpVersion" : 'assumed: the BackupServer does not declare pgDumpVersion';
    out.push(
      finding('E_COMPRESSION_UNSUPPORTED', [...at, 'method'], `compression ${method} needs pg_dump ${rule.sinceMajor} or later, and pg_dump here is ${pgDumpVersion} (${source}); use gzip, or a newer pg_dump`),
    );
  }
  const [min, max] = [rule.minLevel ?? 0, rule.maxLevel ?? 0];
  if (level !== undefined && (level < min || level > max)) {
    out.push(finding('E_COMPRESSION_UNSUPPORTED', [...at, 'level'], `${method} level ${level} is out of range: ${method} accepts ${min}-${max}`));
  }
  return out;
}
