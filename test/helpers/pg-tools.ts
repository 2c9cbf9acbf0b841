// Running the real client tools against test clusters the way pgbackops does (argument arrays, the libpq
// environment of a Node, never a shell), and reading back the state a restore must reproduce.
import { execa, type Result } from 'execa';
import pg from 'pg';
import type { NodeSpec } from '../../src/core/model.js';
import { conninfoDbname, type DumpCommand } from '../../src/core/dump/dump-command.js';
import { libpqEnv, toolProcessEnv } from '../../src/adapters/postgres/node-connection.js';
import { findTool, type PgToolName } from '../../src/adapters/postgres/tools.js';
import type { TestCluster } from './pg-cluster.js';

/** The cluster as a Node reached through its Unix socket (trusted) as the bootstrap superuser. */
export function nodeOf(cluster: TestCluster, over: Partial<NodeSpec> = {}): NodeSpec {
  return {
    host: cluster.socketDir,
    port: cluster.port,
    user: String(cluster.config.user),
    maintenanceDatabase: 'postgres',
    status: 'running',
    backupServer: 'backup01',
    ...over,
  };
}

export async function tool(name: PgToolName): Promise<string> {
  return (await findTool(name, 15)).path;
}

/** Runs a DumpCommand as the lead's job runner does. Never rejects: the result says how it ended. */
export async function runDump(
  cmd: DumpCommand,
  opts: { timeout?: number; cancelSignal?: AbortSignal; killSignal?: 'SIGTERM' | 'SIGKILL' } = {},
): Promise<Result> {
  return execa(await tool(cmd.tool), cmd.args, {
    env: toolProcessEnv(cmd.env),
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    ...opts,
  });
}

/** A client tool (psql, pg_restore, pg_dump) run against `database` of `node`; throws on failure. */
export async function runTool(name: PgToolName, node: NodeSpec, database: string, args: string[]): Promise<string> {
  const result = await execa(await tool(name), args, {
    env: toolProcessEnv(libpqEnv(node, database)),
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    maxBuffer: 512 * 1024 * 1024,
  });
  if (result.exitCode !== 0) {
    throw new Error(`${name} ${args.join(' ')} failed (${result.exitCode}): ${result.stderr}`);
  }
  return result.stdout;
}

export async function psqlFile(node: NodeSpec, database: string, file: string): Promise<void> {
  await runTool('psql', node, database, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', `--file=${file}`]);
}

/**
 * psql -f without stopping at the first error; returns the ERROR lines. For pg_dumpall scripts, which
 * always contain CREATE ROLE for the bootstrap superuser that any target cluster already has.
 */
export async function psqlFileErrors(node: NodeSpec, database: string, file: string): Promise<string[]> {
  const result = await execa(await tool('psql'), ['-X', '-q', `--file=${file}`], {
    env: toolProcessEnv(libpqEnv(node, database)),
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
  });
  if (result.exitCode !== 0) throw new Error(`psql failed (${result.exitCode}): ${result.stderr}`);
  return result.stderr
    .split('\n')
    .filter((line) => line.includes('ERROR:'))
    .map((line) => line.replace(/^psql:[^:]*:\d+: /, ''));
}

export async function pgRestore(node: NodeSpec, database: string, archive: string, extra: string[] = []): Promise<void> {
  // pg_restore needs -d to restore into a database; a connection string keeps any name literal.
  await runTool('pg_restore', node, 'postgres', ['--exit-on-error', ...extra, `--dbname=${conninfoDbname(database)}`, archive]);
}

/** Plain-text dump of one database with the lines that hold versions or a random key removed. */
export async function plainDump(node: NodeSpec, database: string, what: '--schema-only' | '--data-only'): Promise<string> {
  const text = await runTool('pg_dump', node, database, ['--no-password', what]);
  return normaliseDump(text);
}

export function normaliseDump(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^-- Dumped (from database|by pg_dump) version /.test(line) && !/^\\(un)?restrict /.test(line))
    .join('\n');
}

export async function query<T extends pg.QueryResultRow>(cluster: TestCluster, database: string, sql: string, params: unknown[] = []): Promise<T[]> {
  return queryAt<T>({ ...cluster.config, host: cluster.socketDir, database }, sql, params);
}

/** One query on a connection of its own (a catalog database, say). */
export async function queryAt<T extends pg.QueryResultRow>(config: pg.ClientConfig, sql: string, params: unknown[] = []): Promise<T[]> {
  return withClient(config, async (client) => (await client.query<T>(sql, params)).rows);
}

/** `work` on a connection of its own, closed whatever happens. */
export async function withClient<T>(config: pg.ClientConfig, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The cluster's databases (templates left out), by name. */
export async function databaseNames(cluster: TestCluster): Promise<string[]> {
  return (await query<{ datname: string }>(cluster, 'postgres', 'select datname from pg_database where not datistemplate order by datname')).map((r) => r.datname);
}

/** The cluster's roles (the pg_ ones left out), by name. */
export async function roleNames(cluster: TestCluster): Promise<string[]> {
  return (await query<{ rolname: string }>(cluster, 'postgres', `select rolname from pg_roles where rolname !~ '^pg_' order by rolname`)).map((r) => r.rolname);
}

/** Everything about `roles` that a restore must reproduce: attributes, password hash, settings, memberships. */
export async function rolesState(cluster: TestCluster, roles: readonly string[]): Promise<unknown[]> {
  return query(
    cluster,
    'postgres',
    `SELECT a.rolname, a.rolsuper, a.rolinherit, a.rolcreaterole, a.rolcreatedb, a.rolcanlogin, a.rolreplication,
            a.rolbypassrls, a.rolconnlimit, a.rolvaliduntil, a.rolpassword,
            shobj_description(a.oid, 'pg_authid') AS comment,
            (SELECT array_agg(coalesce(d.datname, '*') || ': ' || array_to_string(s.setconfig, ', ') ORDER BY d.datname NULLS FIRST)
               FROM pg_db_role_setting s LEFT JOIN pg_database d ON d.oid = s.setdatabase WHERE s.setrole = a.oid) AS settings,
            (SELECT array_agg(g.rolname || CASE WHEN m.admin_option THEN ' (admin)' ELSE '' END ORDER BY g.rolname)
               FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = a.oid) AS member_of
       FROM pg_authid a WHERE a.rolname = ANY($1) ORDER BY a.rolname COLLATE "C"`,
    [roles],
  );
}

/** The database's own properties: owner, encoding, locale, limit, settings, comment and ACL (with names). */
export async function databaseState(cluster: TestCluster, database: string): Promise<unknown> {
  const rows = await query(
    cluster,
    'postgres',
    `SELECT pg_get_userbyid(d.datdba) AS owner, pg_encoding_to_char(d.encoding) AS encoding, d.datcollate, d.datctype,
            d.datlocprovider, d.datconnlimit, d.datistemplate, d.datallowconn, d.datacl::text AS acl,
            shobj_description(d.oid, 'pg_database') AS comment,
            (SELECT s.setconfig FROM pg_db_role_setting s WHERE s.setdatabase = d.oid AND s.setrole = 0) AS settings
       FROM pg_database d WHERE d.datname = $1`,
    [database],
  );
  return rows[0];
}
