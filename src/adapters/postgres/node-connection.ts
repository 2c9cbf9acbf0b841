// How pgbackops reaches a Node: the libpq environment of the client tools it runs there (pg_dump, psql...),
// and the `pg` client configuration of its own queries. Both come from the Node spec alone, through libpq's
// own mechanisms (passfile, sslmode and certificates): never a password in the spec, an argv or a log.
//
// Known difference between the two: `service:` is read by libpq (the tools) only; the `pg` client connects
// with the spec's host/port/user and TLS fields (pg has no pg_service.conf support). And pg cannot fall back
// from TLS to plain text, so sslmode allow/prefer (and no sslmode) mean "no TLS" for the pg client.
import type pg from 'pg';
import type { NodeSpec } from '../../core/model.js';
import { APPLICATION_NAME, CONNECT_TIMEOUT_SECONDS, libpqEnv, processEnvFor } from '../../core/dump/libpq-env.js';
import { libpqClientConfig } from './libpq-connection.js';

export { libpqEnv, processEnvFor };

/** The environment to spawn a client tool with (use with execa's `extendEnv: false`). */
export function toolProcessEnv(libpq: Record<string, string>): Record<string, string> {
  return processEnvFor(libpq, process.env);
}

export function nodeClientConfig(node: NodeSpec, database: string): pg.ClientConfig {
  // The same filtered environment the tools get: a PGPASSWORD or PGSSLMODE exported in the daemon's shell
  // must not make the pg client succeed where pg_dump would fail, or the reverse.
  const env = processEnvFor({}, process.env);
  const config = libpqClientConfig(
    {
      host: node.host,
      port: node.port,
      user: node.user,
      dbname: database,
      passfile: node.passfile,
      sslmode: node.sslmode,
      sslrootcert: node.sslrootcert,
      sslcert: node.sslcert,
      sslkey: node.sslkey,
      application_name: APPLICATION_NAME,
      connect_timeout: CONNECT_TIMEOUT_SECONDS,
    },
    { env },
  );
  // Without an sslmode pg would read PGSSLMODE from the process environment itself.
  if (node.sslmode === undefined) config.ssl = false;
  return config;
}
