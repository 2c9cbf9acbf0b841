// The libpq environment a PostgreSQL client tool (pg_dump, pg_dumpall, pg_restore, psql) runs with to reach a
// Node. Pure: the Node spec and, for processEnvFor, the parent environment are passed in.
//
// Why the environment and not the command line: a database name on the command line is ambiguous (pg_dump
// reads a -d value containing '=' or starting with postgresql:// as a whole connection string, so a database
// called "host=evil" would redirect the dump). libpq takes PGDATABASE literally. The other settings travel the
// same way so that the argv holds no connection detail at all, and the run log can show it verbatim.
import type { NodeSpec } from '../model.js';

/** How long libpq waits for a connection before giving up (libpq's own default is forever). */
export const CONNECT_TIMEOUT_SECONDS = 15;

/** application_name of every connection pgbackops opens: what pg_stat_activity shows. */
export const APPLICATION_NAME = 'pgbackops';

export function libpqEnv(node: NodeSpec, database: string): Record<string, string> {
  const env: Record<string, string> = {
    ...(node.host !== undefined ? { PGHOST: node.host } : {}),
    PGPORT: String(node.port),
    PGUSER: node.user,
    PGDATABASE: database,
    PGAPPNAME: APPLICATION_NAME,
    PGCONNECT_TIMEOUT: String(CONNECT_TIMEOUT_SECONDS),
  };
  // Optional libpq mechanisms: only what the spec sets, so libpq's own defaults (~/.pgpass, sslmode=prefer)
  // apply otherwise. Note that libpq lets a service's settings win over PGHOST/PGPORT/PGUSER.
  if (node.passfile !== undefined) env.PGPASSFILE = node.passfile;
  if (node.service !== undefined) env.PGSERVICE = node.service;
  if (node.sslmode !== undefined) env.PGSSLMODE = node.sslmode;
  if (node.sslcert !== undefined) env.PGSSLCERT = node.sslcert;
  if (node.sslkey !== undefined) env.PGSSLKEY = node.sslkey;
  if (node.sslrootcert !== undefined) env.PGSSLROOTCERT = node.sslrootcert;
  return env;
}

/**
 * Variables libpq reads that say *where configuration files live* rather than how to connect; they are kept
 * from the parent environment so that `service:` finds the operator's pg_service.conf.
 */
const KEPT_FROM_PARENT = new Set(['PGSERVICEFILE', 'PGSYSCONFDIR']);

/**
 * The complete environment of a client-tool process: the parent's environment without any libpq connection
 * variable (a stray PGPASSWORD, PGOPTIONS or PGSSLMODE of the daemon's shell must not change how a Node is
 * reached: the Node spec is the only source; the PG prefix is dropped whole so that variables of future
 * libpq versions are covered too), plus `libpq`, with the tools' own messages in English so that
 * classify-failure.ts can read them. Spawn with `extendEnv: false`.
 */
export function processEnvFor(libpq: Record<string, string>, parentEnv: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(parentEnv)) {
    if (value === undefined) continue;
    if (key.startsWith('PG') && !KEPT_FROM_PARENT.has(key)) continue;
    env[key] = value;
  }
  // LC_ALL would override LC_MESSAGES: keep its choice for the other categories through LANG instead.
  // LANGUAGE is ignored by gettext once the message locale is C.
  if (env.LC_ALL !== undefined) {
    env.LANG = env.LC_ALL;
    delete env.LC_ALL;
  }
  env.LC_MESSAGES = 'C';
  return { ...env, ...libpq };
}
