// The exact pg_basebackup invocation of a base backup: argv and environment from the spec, the Node and the
// major version of the pg_basebackup that will run it. Pure.
//
// - `--format=tar`: one tar per tablespace (base.tar for the data directory) plus pg_wal.tar, compressed on
//   the backup server; a restore extracts them, and their sha256 are recorded like a dump's files.
// - `--wal-method=stream`: the WAL the backup needs is streamed alongside, so every backup restores to its end
//   even without the archive (two WAL senders while it runs).
// - `--manifest-checksums=CRC32C|SHA256|NONE`: the checksum backup_manifest carries for every file of the
//   cluster (the spec's manifestChecksums, CRC32C when omitted), always written out so that a change of
//   pg_basebackup's default never alters a backup.
// - no connection option on the command line: the libpq environment carries them (libpq-env.ts), as for pg_dump.
import { COMPRESSION_RULES } from '../../dump/compression.js';
import { libpqEnv } from '../../dump/libpq-env.js';
import type { BasebackupOptions, NodeSpec } from '../../model.js';
import { BASEBACKUP_COMPRESSION_SINCE, BASEBACKUP_METHOD_SYNTAX_SINCE, manifestChecksumsOf } from './options.js';

export interface BasebackupCommand {
  args: string[];
  /** libpq variables only; spawn with processEnvFor(env, process.env). */
  env: Record<string, string>;
}

export class BasebackupCommandError extends Error {
  override name = 'BasebackupCommandError';
}

/** @param label what pg_basebackup writes into backup_label and pg_stat_progress_basebackup shows */
export function buildBasebackupCommand(options: BasebackupOptions, node: NodeSpec, outputDir: string, label: string, toolMajor: number): BasebackupCommand {
  const args = [
    `--pgdata=${outputDir}`,
    '--format=tar',
    '--wal-method=stream',
    `--checkpoint=${options.checkpoint}`,
    compressionArg(options.compression, toolMajor),
    `--label=${label}`,
    '--no-password',
  ];
  if (toolMajor >= 13) args.push(`--manifest-checksums=${manifestChecksumsOf(options).toUpperCase()}`);
  if (options.maxRate !== undefined) args.push(`--max-rate=${options.maxRate}`);
  // pg_basebackup reads the database from the environment only for a `replication=database` connection; a
  // physical one ignores it, so the maintenance database does no harm and keeps PGDATABASE defined.
  return { args, env: libpqEnv(node, node.maintenanceDatabase) };
}

/** The one --compress argument: client-side compression, explicit so a default change never alters a backup. */
export function compressionArg(compression: BasebackupOptions['compression'], toolMajor: number): string {
  const { method } = compression;
  if (toolMajor < BASEBACKUP_COMPRESSION_SINCE[method]) {
    throw new BasebackupCommandError(`compression ${method} needs pg_basebackup ${BASEBACKUP_COMPRESSION_SINCE[method]} or later (this one is ${toolMajor}); use gzip or none`);
  }
  const level = compression.level ?? COMPRESSION_RULES[method].defaultLevel;
  if (toolMajor < BASEBACKUP_METHOD_SYNTAX_SINCE) return `--compress=${method === 'none' ? 0 : level}`;
  if (method === 'none' || (method === 'gzip' && level === 0)) return '--compress=none';
  return `--compress=client-${method}:${level}`;
}
