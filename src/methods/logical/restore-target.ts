// The target side of a restore: what the target node holds (for the plan), and the statements and tools run
// against it. Every SQL text goes to psql on stdin or through the pg client with escaped identifiers, every
// tool gets an argument array and the node's libpq environment; database names travel in PGDATABASE or as
// a quoted conninfo dbname, never parsed as a connection string of their own.
import type { Readable } from 'node:stream';
import { execa } from 'execa';
import { dyingWithParent } from '../../adapters/os/run-program.js';
import pg from 'pg';
import { nodeClientConfig, libpqEnv, toolProcessEnv } from '../../adapters/postgres/node-connection.js';
import { serverMajor } from '../../adapters/postgres/tools.js';
import { conninfoDbname } from '../../core/dump/dump-command.js';
import type { NodeSpec } from '../../core/model.js';

export interface TargetState {
  serverVersion: string;
  major: number;
  databases: string[];
  tablespaces: string[];
  roles: Array<{ name: string; bootstrap: boolean }>;
}

/** Connect timeout of the fact-gathering connection, short so an unreachable node is reported quickly. */
const CONNECT_TIMEOUT_MS = 10_000;

export async function readTargetState(node: NodeSpec): Promise<TargetState> {
  return withNodeClient(node, queryTargetState);
}

/** What the target holds, asked on an open connection (a restore asks again under its lock). */
export async function queryTargetState(client: pg.Client): Promise<TargetState> {
  const version = await serverMajor(client);
  const dbs = await client.query<{ datname: string }>('select datname from pg_catalog.pg_database order by datname');
  const tablespaces = await client.query<{ spcname: string }>('select spcname from pg_catalog.pg_tablespace order by spcname');
  // oid 10 is the bootstrap superuser of every cluster.
  const roles = await client.query<{ rolname: string; bootstrap: boolean }>('select rolname, oid = 10 as bootstrap from pg_catalog.pg_roles');
  return {
    serverVersion: version.version,
    major: version.major,
    databases: dbs.rows.map((r) => r.datname),
    tablespaces: tablespaces.rows.map((r) => r.spcname),
    roles: roles.rows.map((r) => ({ name: r.rolname, bootstrap: r.bootstrap })),
  };
}

export async function withNodeClient<T>(node: NodeSpec, fn: (client: pg.Client) => Promise<T>, database = node.maintenanceDatabase): Promise<T> {
  const client = await connectNodeClient(node, database);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A connected client of `node` (the caller ends it); `over` replaces fields of its configuration. */
export async function connectNodeClient(node: NodeSpec, database: string, over: pg.ClientConfig = {}): Promise<pg.Client> {
  const client = new pg.Client({ ...nodeClientConfig(node, database), connectionTimeoutMillis: CONNECT_TIMEOUT_MS, ...over });
  // A connection error after connect (server shutdown) must not crash the process; the query fails instead.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

export interface ToolRun {
  ok: boolean;
  /** stdout and stderr interleaved, for the restore log. */
  output: string;
  exitCode: number | null;
}

/**
 * psql with ON_ERROR_STOP=1 reading `input` (SQL text or a stream) on stdin, connected to `database`.
 * @param singleTransaction all or nothing (not for CREATE DATABASE, which cannot run in a transaction)
 * @param opts.secret the SQL holds password hashes
 */
export async function runPsql(
  psqlPath: string, node: NodeSpec, database: string, input: string | Readable, singleTransaction: boolean, opts: { secret?: boolean } = {},
): Promise<ToolRun & { stdout: string }> {
  const args = [
    '--no-psqlrc', '--quiet', '--no-password', '--set=ON_ERROR_STOP=1',
    // SQL holding password hashes: terse errors never quote the statement (LINE 1: ...) into the log.
    ...(opts.secret ? ['--set=VERBOSITY=terse'] : []),
    ...(singleTransaction ? ['--single-transaction'] : []),
    '--file=-',
  ];
  // Dying with this process: a restore killed by SIGKILL must not go on loading into the target after its
  // row says it was abandoned (psql then ends, and the server rolls back what it had not committed).
  const result = await execa(...dyingWithParent(psqlPath, args), {
    env: toolProcessEnv(libpqEnv(node, database)),
    extendEnv: false,
    reject: false,
    input,
    all: true,
    stdout: 'pipe',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { ok: result.exitCode === 0, output: String(result.all ?? ''), stdout: String(result.stdout ?? ''), exitCode: result.exitCode ?? null };
}

/**
 * pg_restore --exit-on-error of `archive` into `database` (which must exist): a file, or a stream (a
 * decrypted archive) read on stdin, by one job.
 */
export async function runPgRestore(pgRestorePath: string, node: NodeSpec, database: string, archive: string | Readable, jobs: number): Promise<ToolRun> {
  const args = [
    '--exit-on-error',
    '--no-password',
    ...(jobs > 1 ? [`--jobs=${jobs}`] : []),
    `--dbname=${conninfoDbname(database)}`,
    ...(typeof archive === 'string' ? [archive] : []),
  ];
  const result = await execa(...dyingWithParent(pgRestorePath, args), {
    env: toolProcessEnv(libpqEnv(node, node.maintenanceDatabase)),
    extendEnv: false,
    reject: false,
    ...(typeof archive === 'string' ? { stdin: 'ignore' as const } : { input: archive }),
    all: true,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { ok: result.exitCode === 0, output: String(result.all ?? ''), exitCode: result.exitCode ?? null };
}

/** pg_restore --list: reads the whole archive's table of contents (a file, or a decrypted stream on stdin) without touching any server. */
export async function listArchive(pgRestorePath: string, archive: string | Readable): Promise<ToolRun & { entries: number }> {
  const result = await execa(pgRestorePath, ['--list', ...(typeof archive === 'string' ? [archive] : [])], {
    reject: false, maxBuffer: 256 * 1024 * 1024, env: { LC_MESSAGES: 'C' },
    ...(typeof archive === 'string' ? { stdin: 'ignore' as const } : { input: archive }),
  });
  const entries = String(result.stdout ?? '').split('\n').filter((l) => /^\d+;/.test(l)).length;
  return { ok: result.exitCode === 0, output: String(result.stderr ?? ''), exitCode: result.exitCode ?? null, entries };
}

export async function renameDatabase(node: NodeSpec, from: string, to: string): Promise<void> {
  await withNodeClient(node, (c) => c.query(`ALTER DATABASE ${pg.escapeIdentifier(from)} RENAME TO ${pg.escapeIdentifier(to)}`));
}

/** Drops a database this restore created; sessions still connected to it (a killed tool's) are ended (13+). */
export async function dropDatabase(node: NodeSpec, name: string, major: number): Promise<void> {
  const force = major >= 13 ? ' WITH (FORCE)' : '';
  await withNodeClient(node, (c) => c.query(`DROP DATABASE ${pg.escapeIdentifier(name)}${force}`));
}

export async function dropRole(node: NodeSpec, name: string): Promise<void> {
  await withNodeClient(node, (c) => c.query(`DROP ROLE ${pg.escapeIdentifier(name)}`));
}

