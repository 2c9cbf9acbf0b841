// libpq-style connection parameters (a postgresql:// URL, or a Node spec's fields) turned into a `pg`
// ClientConfig that behaves like libpq where pgbackops relies on it:
// - unset fields fall back to PGHOST / PGPORT / PGUSER / PGDATABASE (pg reads these itself);
// - the password comes from the URL, else PGPASSWORD, else the password file (passfile=, PGPASSFILE,
//   ~/.pgpass) looked up only when the server asks for one (see passfile.ts);
// - sslmode / sslrootcert / sslcert / sslkey map to pg's TLS options.
// Passwords never appear in what redactConnection returns, which is what logs and errors print.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type pg from 'pg';
import { passfilePath, readPassfilePassword } from './passfile.js';

export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

export interface LibpqParams {
  host?: string;
  port?: number;
  user?: string;
  dbname?: string;
  password?: string;
  passfile?: string;
  sslmode?: SslMode;
  sslrootcert?: string;
  sslcert?: string;
  sslkey?: string;
  application_name?: string;
  connect_timeout?: number;
  options?: string;
}

const SSL_MODES: readonly SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

export class ConnectionStringError extends Error {
  override name = 'ConnectionStringError';
}

/**
 * Parses postgresql://[user[:password]@][host][:port][/dbname][?param=value&...]. A Unix socket directory is
 * given percent-encoded as the host (postgresql://%2Fvar%2Frun%2Fpostgresql/db) or as ?host=/var/run/postgresql.
 * Errors never echo the URL (it may hold a password).
 */
export function parsePostgresUrl(url: string): LibpqParams {
  // WHATWG URL parsing rejects two forms libpq accepts: a percent-encoded socket directory as host
  // (postgresql://%2Fvar%2Frun/db) and a user with no host (postgresql://app@/db?host=/run). Take the host out
  // first and parse with a placeholder in its place.
  let hostOverride: string | undefined;
  const authority = /^(postgres(?:ql)?:\/\/(?:[^@/?#]*@)?)(%2F[^:/?#]*|(?=[:/?#]|$))/i.exec(url);
  if (authority) {
    hostOverride = decodeURIComponent(authority[2]!);
    url = `${authority[1]}placeholder.invalid${url.slice(authority[0].length)}`;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConnectionStringError('the catalog URL is not a valid postgresql:// URL');
  }
  if (parsed.protocol !== 'postgresql:' && parsed.protocol !== 'postgres:') {
    throw new ConnectionStringError(`the catalog URL must start with postgresql:// (got ${parsed.protocol}//)`);
  }
  const params: LibpqParams = {};
  const host = hostOverride ?? decodeURIComponent(parsed.hostname).replace(/^\[(.*)\]$/, '$1');
  if (host) params.host = host;
  if (parsed.port) params.port = parsePort(parsed.port);
  if (parsed.username) params.user = decodeURIComponent(parsed.username);
  if (parsed.password) params.password = decodeURIComponent(parsed.password);
  const dbname = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (dbname) params.dbname = dbname;

  for (const [key, value] of parsed.searchParams) {
    switch (key) {
      case 'host':
      case 'user':
      case 'dbname':
      case 'password':
      case 'passfile':
      case 'sslrootcert':
      case 'sslcert':
      case 'sslkey':
      case 'application_name':
      case 'options':
        params[key] = value;
        break;
      case 'port':
        params.port = parsePort(value);
        break;
      case 'connect_timeout':
        params.connect_timeout = Number(value);
        break;
      case 'sslmode':
        if (!SSL_MODES.includes(value as SslMode)) throw new ConnectionStringError(`invalid sslmode ${JSON.stringify(value)}`);
        params.sslmode = value as SslMode;
        break;
      default:
        throw new ConnectionStringError(`unsupported connection parameter ${JSON.stringify(key)} in the catalog URL`);
    }
  }
  return params;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConnectionStringError(`invalid port ${JSON.stringify(text)}`);
  return port;
}

interface EffectiveParams {
  host?: string;
  port?: number;
  user?: string;
  database?: string;
}

export interface LibpqConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Where libpq-style warnings go (an insecure password file). */
  warn?: (message: string) => void;
}

export function libpqClientConfig(params: LibpqParams, opts: LibpqConfigOptions = {}): pg.ClientConfig {
  const env = opts.env ?? process.env;
  const config: pg.ClientConfig = {};
  if (params.host !== undefined) config.host = params.host;
  if (params.port !== undefined) config.port = params.port;
  if (params.user !== undefined) config.user = params.user;
  if (params.dbname !== undefined) config.database = params.dbname;
  if (params.application_name !== undefined) config.application_name = params.application_name;
  if (params.options !== undefined) config.options = params.options;
  if (params.connect_timeout !== undefined && params.connect_timeout > 0) {
    config.connectionTimeoutMillis = params.connect_timeout * 1000;
  }
  const ssl = sslOptions(params, env);
  if (ssl !== undefined) config.ssl = ssl;

  if (params.password !== undefined) {
    config.password = params.password;
  } else {
    // pg calls this only when the server asks for a password, passing its effective connection parameters
    // (host/port/user/database after env defaults); @types/pg declares the callback without that argument.
    const lookup = async (effective: EffectiveParams): Promise<string> => {
      if (env.PGPASSWORD !== undefined) return env.PGPASSWORD;
      const file = passfilePath(params.passfile, env);
      const password = await readPassfilePassword(
        file,
        { host: effective.host, port: effective.port, database: effective.database, user: String(effective.user) },
        opts.warn,
      );
      if (password === undefined) {
        // libpq says "fe_sendauth: no password supplied"; say where we looked as well.
        throw new Error(
          `no password supplied: the server asks one for user ${effective.user} and neither the URL, PGPASSWORD ` +
            `nor the password file ${file} gives one`,
        );
      }
      return password;
    };
    config.password = lookup as unknown as () => Promise<string>;
  }
  return config;
}

function sslOptions(params: LibpqParams, env: NodeJS.ProcessEnv): pg.ClientConfig['ssl'] {
  const mode = params.sslmode ?? (env.PGSSLMODE as SslMode | undefined);
  const rootcert = params.sslrootcert ?? env.PGSSLROOTCERT;
  const cert = params.sslcert ?? env.PGSSLCERT;
  const key = params.sslkey ?? env.PGSSLKEY;
  if (mode === undefined) return undefined; // pg's own default (no TLS), as before
  // pg cannot fall back from TLS to plain text as libpq does for allow/prefer: those mean "no TLS" here.
  if (mode === 'disable' || mode === 'allow' || mode === 'prefer') return false;
  const tls: ConnectionOptions = {};
  if (cert) tls.cert = readFileSync(cert, 'utf8');
  if (key) tls.key = readFileSync(key, 'utf8');
  if (rootcert) tls.ca = readFileSync(rootcert, 'utf8');
  if (mode === 'require' && !rootcert) {
    tls.rejectUnauthorized = false;
  } else if (mode === 'verify-ca' || mode === 'require') {
    // libpq: with a root certificate, require behaves as verify-ca: the chain is checked, the name is not.
    tls.rejectUnauthorized = true;
    tls.checkServerIdentity = () => undefined;
  } else {
    tls.rejectUnauthorized = true;
  }
  return tls;
}

/** A description of a connection for logs and errors: never a password. */
export function redactConnection(target: string | pg.ClientConfig): string {
  if (typeof target === 'string') {
    try {
      const url = new URL(target);
      if (url.password) url.password = '';
      url.searchParams.delete('password');
      return url.toString();
    } catch {
      return '<unparseable connection string>';
    }
  }
  const user = target.user ?? '(default user)';
  const host = target.host ?? '(default host)';
  const port = target.port ?? '(default port)';
  const database = target.database ?? '(default database)';
  return `postgresql://${user}@${host.startsWith('/') ? `[${host}]` : host}:${port}/${database}`;
}
