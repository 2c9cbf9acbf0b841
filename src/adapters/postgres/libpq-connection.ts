// libpq-style connection parameters (a postgresql:// URL, a keyword/value connection string, or a Node
// spec's fields) turned into a `pg` ClientConfig that behaves like libpq where pgbackops relies on it:
// - URLs are parsed by pg-connection-string (pg's own parser), keyword/value strings by core/libpq/conninfo;
// - service=NAME (or PGSERVICE) fills what the string leaves unset from the service file, as libpq does
//   (see service-file.ts: pg itself does not read service files);
// - unset fields fall back to PGHOST / PGPORT / PGUSER / PGDATABASE (pg reads these itself);
// - the password comes from the string, else PGPASSWORD, else the password file (passfile=, PGPASSFILE,
//   ~/.pgpass) looked up only when the server asks for one (see passfile.ts);
// - sslmode / sslrootcert / sslcert / sslkey map to pg's TLS options.
// Passwords never appear in what redactConnection returns, which is what logs and errors print.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type pg from 'pg';
import { parse as parseUrl } from 'pg-connection-string';
import { ConninfoError, isConnectionUrl, parseConninfo } from '../../core/libpq/conninfo.js';
import { passfilePath, readPassfilePassword } from './passfile.js';
import { readService } from './service-file.js';
import { PgbackopsError } from '../../core/errors.js';

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
  service?: string;
}

const SSL_MODES: readonly SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

export class ConnectionStringError extends PgbackopsError {
  readonly code = 'E_CONNECTION_STRING';
}

/**
 * A catalog connection string: postgresql://[user[:password]@][host][:port][/dbname][?param=value&...] (a
 * Unix socket directory percent-encoded as the host, or as ?host=/var/run/postgresql), or libpq's
 * keyword/value form (host=/var/run/postgresql dbname=pgbackops, service=catalog). Errors never echo the
 * string (it may hold a password).
 */
export function parseConnectionString(text: string): LibpqParams {
  if (isConnectionUrl(text)) return paramsFromKeywords(urlKeywords(text), 'the catalog URL');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text.trim())) {
    throw new ConnectionStringError('the catalog URL must start with postgresql:// (or be a keyword/value string such as "host=/run/postgresql dbname=pgbackops")');
  }
  try {
    return paramsFromKeywords(parseConninfo(text), 'the catalog connection string');
  } catch (err) {
    if (err instanceof ConninfoError) throw new ConnectionStringError(err.message);
    throw err;
  }
}

/** The keywords of a URL, by pg-connection-string; what it leaves empty stays unset. */
function urlKeywords(url: string): Map<string, string> {
  let parsed: ReturnType<typeof parseUrl>;
  try {
    parsed = parseUrl(portWithoutHostAsParameter(url), { useLibpqCompat: true });
  } catch {
    throw new ConnectionStringError('the catalog URL is not a valid postgresql:// URL');
  }
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(parsed)) {
    // Derived by pg-connection-string rather than written by the user: TLS is mapped from sslmode below.
    if (key === 'ssl' || key === 'uselibpqcompat') continue;
    if (typeof value !== 'string' || value === '') continue;
    out.set(key === 'database' ? 'dbname' : key, value);
  }
  return out;
}

/**
 * libpq accepts a port with no host (postgresql://:5433/db: the default socket directory, that port); a URL
 * parser does not. The same port as a parameter means the same to both.
 */
function portWithoutHostAsParameter(url: string): string {
  const m = /^(postgres(?:ql)?:\/\/(?:[^@/?#]*@)?):(\d+)([^?#]*)(\?[^#]*)?(#.*)?$/i.exec(url);
  if (!m) return url;
  return `${m[1]}${m[3]}${m[4] ? `${m[4]}&` : '?'}port=${m[2]}${m[5] ?? ''}`;
}

/** libpq keywords to params: only those pgbackops can honour, checked; `where` names the source in errors. */
function paramsFromKeywords(keywords: ReadonlyMap<string, string>, where: string): LibpqParams {
  const params: LibpqParams = {};
  for (const [key, value] of keywords) {
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
      case 'service':
        params[key] = value;
        break;
      case 'port':
        params.port = parsePort(value);
        break;
      case 'connect_timeout':
        params.connect_timeout = Number(value);
        break;
      case 'sslmode':
        if (!SSL_MODES.includes(value as SslMode)) throw new ConnectionStringError(`invalid sslmode ${JSON.stringify(value)} in ${where}`);
        params.sslmode = value as SslMode;
        break;
      default:
        throw new ConnectionStringError(`unsupported connection parameter ${JSON.stringify(key)} in ${where}`);
    }
  }
  return params;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConnectionStringError(`invalid port ${JSON.stringify(text)}`);
  return port;
}

/**
 * libpq's order: what the string (or spec) sets, else the service's settings, else `defaults` (settings that
 * reach libpq as environment variables, which a service overrides), else pg's own environment defaults.
 */
export function withService(params: LibpqParams, env: NodeJS.ProcessEnv, defaults: LibpqParams = {}, mustNotSet: readonly string[] = []): LibpqParams {
  const name = params.service ?? (env.PGSERVICE || undefined);
  const { service: _service, ...explicit } = params;
  if (name === undefined) return { ...definedOnly(defaults), ...definedOnly(explicit) };
  const { keywords, file } = readService(name, env);
  for (const keyword of mustNotSet) {
    if (keywords.has(keyword)) throw new ConnectionStringError(`service "${name}" (${file}) sets ${keyword}, which pgbackops sets itself: remove it from the service`);
  }
  return { ...definedOnly(defaults), ...paramsFromKeywords(keywords, `service "${name}" (${file})`), ...definedOnly(explicit) };
}

/** Unset fields must not hide a lower level's value when spread over it. */
function definedOnly(params: LibpqParams): LibpqParams {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as LibpqParams;
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
  /** Settings below a service's in precedence (see withService). */
  defaults?: LibpqParams;
  /** Keywords a service may not set. */
  serviceMustNotSet?: readonly string[];
}

export function libpqClientConfig(given: LibpqParams, opts: LibpqConfigOptions = {}): pg.ClientConfig {
  const env = opts.env ?? process.env;
  const params = withService(given, env, opts.defaults, opts.serviceMustNotSet);
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
    // pg calls this only when the server asks for a password, as a method of the client (`this`), passing its
    // effective connection parameters (host/port/user/database after env defaults); @types/pg declares the
    // callback without that argument.
    const lookup = async function (this: pg.Client | undefined, effective: EffectiveParams): Promise<string> {
      try {
        return await passwordFor(effective);
      } catch (err) {
        // pg reports a failing password callback but leaves the socket open, and the server holds the session
        // until its authentication_timeout (60 s by default): a job that already recorded auth-failed could
        // not exit for a minute. Close it ourselves.
        this?.connection?.stream?.destroy();
        throw err;
      }
    };
    const passwordFor = async (effective: EffectiveParams): Promise<string> => {
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
    if (!isConnectionUrl(target)) {
      try {
        const keywords = parseConninfo(target);
        keywords.delete('password');
        return [...keywords].map(([k, v]) => `${k}=${/^[^\s'\\]+$/.test(v) ? v : `'${v.replace(/['\\]/g, '\\$&')}'`}`).join(' ');
      } catch {
        return '<unparseable connection string>';
      }
    }
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
