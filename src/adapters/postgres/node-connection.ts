// How pgbackops reaches a Node: the libpq environment of the client tools it runs there (pg_dump, psql...),
// and the `pg` client configuration of its own queries. Both come from the Node spec alone, through libpq's
// own mechanisms (passfile, sslmode and certificates): never a password in the spec, an argv or a log.
//
// `service:` is honoured by both: libpq (the tools) reads pg_service.conf itself, and the `pg` client's
// configuration is filled from the same file by libpq-connection.ts, with libpq's precedence: a service's
// settings win over the spec's host, port and user, which reach the tools as PGHOST/PGPORT/PGUSER. pg cannot
// fall back from TLS to plain text, so sslmode allow/prefer (and no sslmode) mean "no TLS" for the pg client.
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
      dbname: database,
      passfile: node.passfile,
      sslmode: node.sslmode,
      sslrootcert: node.sslrootcert,
      sslcert: node.sslcert,
      sslkey: node.sslkey,
      application_name: APPLICATION_NAME,
      connect_timeout: CONNECT_TIMEOUT_SECONDS,
      ...(node.service !== undefined ? { service: node.service } : {}),
    },
    // A service's dbname would win over PGDATABASE in pg_dump's libpq and dump another database than the
    // one named: refused for a Node's service.
    { env, defaults: { host: node.host, port: node.port, user: node.user }, serviceMustNotSet: ['dbname'] },
  );
  // Without an sslmode (from the spec or its service) pg would read PGSSLMODE from the process environment.
  if (config.ssl === undefined) config.ssl = false;
  return config;
}
