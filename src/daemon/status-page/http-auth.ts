// Optional authentication of the daemon's HTTP endpoints (--http-auth-file, docs/operations.md). The file
// holds one line: `user:password` for basic authentication, or a token (no colon) for bearer
// authentication. A token is also accepted as the password of basic authentication with any user name, so
// that a browser, which cannot send a bearer token when it opens a page, can show the status page too.
//
// /healthz and /readyz stay open (liveness and readiness probes carry no credentials and tell nothing
// secret), and so does /hooks/git, which has its own HMAC signature; everything else needs the credentials.
import { PgbackopsError } from '../../core/errors.js';
import { timingSafeEqual, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export type HttpAuth = { kind: 'bearer'; token: string } | { kind: 'basic'; user: string; password: string };

/** Paths served without credentials. */
export const OPEN_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/hooks/git']);

/** The auth file cannot be read or holds no usable credentials (docs/errors.md). */
export class HttpAuthFileError extends PgbackopsError {
  readonly code = 'E_HTTP_AUTH_FILE';
}

export function readHttpAuthFile(file: string): HttpAuth {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new HttpAuthFileError(`cannot read the HTTP auth file: ${(err as Error).message}`);
  }
  return parseHttpAuth(text, file);
}

export function parseHttpAuth(text: string, file: string): HttpAuth {
  const line = text.split('\n')[0]!.trim();
  if (line === '') throw new HttpAuthFileError(`the HTTP auth file ${file} is empty`);
  const colon = line.indexOf(':');
  if (colon < 0) return { kind: 'bearer', token: line };
  const user = line.slice(0, colon);
  const password = line.slice(colon + 1);
  if (user === '' || password === '') throw new HttpAuthFileError(`the HTTP auth file ${file} must hold user:password (both non-empty) or a token`);
  return { kind: 'basic', user, password };
}

/** Whether an Authorization header carries the configured credentials. */
export function isAuthorised(auth: HttpAuth, header: string | undefined): boolean {
  if (!header) return false;
  const space = header.indexOf(' ');
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') return auth.kind === 'bearer' && same(value, auth.token);
  if (scheme !== 'basic') return false;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  // Both compared every time: how long a refusal takes tells nothing about which part was wrong.
  return auth.kind === 'bearer'
    ? same(password, auth.token)
    : [same(user, auth.user), same(password, auth.password)].every(Boolean);
}

/**
 * The WWW-Authenticate challenge of a refusal: basic only, also when a token is configured, so that a browser
 * asks for the credentials (a second challenge in the same header made chromium give up on the page's assets).
 */
export const CHALLENGE = 'Basic realm="pgbackops", charset="UTF-8"';

/** Constant-time comparison of two strings of any lengths (compared as digests, which have one length). */
function same(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** The Authorization header a client sends with these credentials (`status --daemon`). */
export function authorizationHeader(auth: HttpAuth): string {
  return auth.kind === 'bearer' ? `Bearer ${auth.token}` : `Basic ${Buffer.from(`${auth.user}:${auth.password}`, 'utf8').toString('base64')}`;
}
