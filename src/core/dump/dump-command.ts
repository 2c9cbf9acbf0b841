// The exact pg_dump / pg_dumpall invocation of a backup: argv and environment, built from the definition,
// the Node and the major version of the tool that will run it. Pure.
//
// Argv order, and why:
//   <extraArgs...> <format> <compression> <jobs> <type> <filters...> --no-password --file=<output>
// - extraArgs come first, pgbackops' fixed flags after them: for pg_dump the last occurrence of an option
//   wins, so even an extra argument that slipped past validation cannot override format, output or
//   compression (defence in depth; extra-args.ts refuses them in the first place).
// - every option is one argv element in its `--name=value` form, so a value starting with '-' (a schema
//   called "-x", an output path) can never be read as an option of its own.
// - --no-password: a missing password fails the run at once instead of waiting for a prompt nobody answers.
// - no database name and no connection option on the command line: they travel in the environment
//   (libpq-env.ts), where libpq cannot mistake them for a connection string.
import type { LogicalOptions, NodeSpec } from '../model.js';
import { compressionArg } from './compression.js';
import { extraArgsProblems, type DumpTool } from './extra-args.js';
import { libpqEnv } from './libpq-env.js';
import { PgbackopsError } from '../errors.js';
import { compressCommand, type StreamProgram } from './stream-compression.js';

export interface DumpCommand {
  tool: DumpTool;
  args: string[];
  /** libpq variables only; spawn with processEnvFor(env, process.env) and extendEnv: false. */
  env: Record<string, string>;
  /**
   * Where the dump is written: a file, or for format directory a directory pg_dump creates; null: standard
   * output, which an encrypted backup streams into its encryptor (docs/encryption.md).
   */
  output: string | null;
  /**
   * A compressed cluster dump: pg_dumpall writes to its stdout, piped through this program into `output`
   * (stream-compression.ts), or into the encryptor when `output` is null. null: the tool writes `output`
   * itself (--file), or its stdout is the encryptor's input.
   */
  compress: StreamProgram | null;
}

/** The definition asks for something this tool cannot do (a run records it as failed, it is not retried). */
export class DumpCommandError extends PgbackopsError {
  readonly code = 'E_DUMP_COMMAND';
}

const FORMAT_FLAG = { custom: '--format=custom', directory: '--format=directory', plain: '--format=plain' } as const;

/**
 * @param database the database to dump; null for type cluster (pg_dumpall connects to the Node's
 *   maintenanceDatabase first and then to every database).
 * @param toolMajor major version of the pg_dump / pg_dumpall that will run this (findTool().major).
 */
/**
 * The output goes to a file the tool writes itself (extraArgs cannot redirect it: see extra-args.ts), or to
 * standard output (null) for an encrypted backup, which age reads from the tool's stdout.
 */
function fileArg(output: string | null): string[] {
  return output === null ? [] : [`--file=${output}`];
}

export function buildDumpCommand(
  spec: LogicalOptions,
  node: NodeSpec,
  database: string | null,
  outputPath: string | null,
  toolMajor: number,
): DumpCommand {
  if (outputPath === '') throw new DumpCommandError('the output path is empty');
  if (outputPath === null && spec.format === 'directory') throw new DumpCommandError('the directory format is written by pg_dump into a directory, not to standard output');
  return spec.type === 'cluster'
    ? buildDumpallCommand(spec, node, database, outputPath)
    : buildPgDumpCommand(spec, node, database, outputPath, toolMajor);
}

function buildPgDumpCommand(spec: LogicalOptions, node: NodeSpec, database: string | null, output: string | null, toolMajor: number): DumpCommand {
  if (database === null || database === '') throw new DumpCommandError(`a ${spec.type} backup dumps one database: none given`);
  checkExtraArgs('pg_dump', spec.extraArgs);
  if (spec.jobs > 1 && spec.format !== 'directory') {
    throw new DumpCommandError(`jobs: ${spec.jobs} needs format: directory (pg_dump can only write a directory archive in parallel)`);
  }
  let compression: string;
  try {
    compression = compressionArg(spec.compression.method, spec.compression.level, toolMajor);
  } catch (err) {
    throw new DumpCommandError((err as Error).message);
  }

  const args = [...spec.extraArgs, FORMAT_FLAG[spec.format], compression];
  if (spec.jobs > 1) args.push(`--jobs=${spec.jobs}`);
  if (spec.type === 'schema') args.push('--schema-only');
  if (spec.type === 'data') args.push('--data-only');
  for (const pattern of spec.includeSchemas) args.push(`--schema=${pattern}`);
  for (const pattern of spec.excludeSchemas) args.push(`--exclude-schema=${pattern}`);
  for (const pattern of spec.includeTables) args.push(`--table=${pattern}`);
  for (const pattern of spec.excludeTables) args.push(`--exclude-table=${pattern}`);
  args.push('--no-password', ...fileArg(output));
  return { tool: 'pg_dump', args, env: libpqEnv(node, database), output, compress: null };
}

function buildDumpallCommand(spec: LogicalOptions, node: NodeSpec, database: string | null, output: string | null): DumpCommand {
  if (database !== null) throw new DumpCommandError('a cluster backup dumps every database: pass database null');
  checkExtraArgs('pg_dumpall', spec.extraArgs);
  if (spec.format !== 'plain') throw new DumpCommandError(`a cluster backup is written by pg_dumpall as plain SQL, not format: ${spec.format}`);
  if (spec.jobs > 1) throw new DumpCommandError('pg_dumpall has no parallel mode: a cluster backup needs jobs: 1');
  const filters = [spec.includeSchemas, spec.excludeSchemas, spec.includeTables, spec.excludeTables];
  if (filters.some((list) => list.length > 0)) throw new DumpCommandError('schema and table filters do not apply to a cluster backup');

  const maintenance = node.maintenanceDatabase;
  const args = [
    ...spec.extraArgs,
    // pg_dumpall ignores PGDATABASE and always expands --database as a connection string when it contains
    // '='; handing it a connection string we quote ourselves makes any name, even "host=x", mean itself.
    `--database=${conninfoDbname(maintenance)}`,
    '--no-password',
  ];
  // pg_dumpall cannot compress: compressed, its SQL goes to stdout and through the compression program.
  const compress = compressCommand(spec.compression);
  if (!compress) args.push(...fileArg(output));
  return { tool: 'pg_dumpall', args, env: libpqEnv(node, maintenance), output, compress };
}

function checkExtraArgs(tool: DumpTool, extraArgs: readonly string[]): void {
  const problems = extraArgsProblems(extraArgs, tool);
  if (problems.length > 0) throw new DumpCommandError(`extraArgs refused: ${problems.join('; ')}`);
}

/** `dbname='...'` in libpq connection-string syntax: single quotes, with \ and ' escaped by a backslash. */
export function conninfoDbname(database: string): string {
  return `dbname='${database.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** Environment variables whose value is a secret. pgbackops never sets them; redaction is a safety net. */
const SECRET_ENV = new Set(['PGPASSWORD']);
const SECRET_IN_ARG = /(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)/gi;

/**
 * The command as it goes into a run log: `NAME=value` for each environment variable, then the tool and its
 * arguments. Values of secret variables and any `password=` inside an argument are replaced by ***.
 */
export function redactArgv(cmd: DumpCommand): string[] {
  const env = Object.keys(cmd.env)
    .sort()
    .map((key) => `${key}=${SECRET_ENV.has(key) ? '***' : cmd.env[key]}`);
  const args = cmd.args.map((arg) => arg.replace(SECRET_IN_ARG, '$1***'));
  // Written as the shell pipeline it is equivalent to (it is run without a shell).
  const pipeline = cmd.compress ? ['|', cmd.compress.program, ...cmd.compress.args, ...(cmd.output === null ? [] : ['>', cmd.output])] : [];
  return [...env, cmd.tool, ...args, ...pipeline];
}
