// Password lookup in a libpq password file (~/.pgpass, PGPASSFILE, passfile=), following libpq's rules
// (fe-connect.c passwordFromFile / pwdfMatchesString), so a catalog or node reachable by psql with a
// passfile is reachable by pgbackops with the same file. `pg` has its own lookup, deprecated and slated
// for removal in pg@9, and it ignores a per-connection passfile; hence this file.
//
// Rules:
// - Each line is hostname:port:database:username:password. `*` as a whole field matches anything.
//   `\` escapes the next character (`\:` and `\\`). Lines starting with # are comments.
// - The first matching line wins.
// - A connection over a Unix socket matches the host name `localhost` when the socket directory is the
//   default one (libpq compares with its compile-time default; we accept the usual ones), else the
//   socket directory literally. A missing host is localhost; a missing port is 5432.
// - The file is ignored (with a warning) unless it is a plain file without any group/world permission.
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface PassfileTarget {
  host?: string;
  port?: number | string;
  database?: string;
  user: string;
}

const DEFAULT_SOCKET_DIRS = new Set(['/var/run/postgresql', '/run/postgresql', '/tmp']);
const DEFAULT_PORT = '5432';

/** The password the file's text gives for `target`, or undefined. Pure. */
export function passwordFromPassfileText(text: string, target: PassfileTarget): string | undefined {
  const host = passfileHost(target.host);
  const port = target.port === undefined || target.port === '' ? DEFAULT_PORT : String(target.port);
  const database = target.database || target.user;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line === '' || line.startsWith('#')) continue;
    let rest: string | null = line;
    for (const wanted of [host, port, database, target.user]) {
      rest = matchField(rest, wanted);
      if (rest === null) break;
    }
    if (rest !== null) return unescapePassword(rest);
  }
  return undefined;
}

function passfileHost(host: string | undefined): string {
  if (!host) return 'localhost';
  if (host.startsWith('/')) {
    const dir = host.length > 1 ? host.replace(/\/+$/, '') : host;
    return DEFAULT_SOCKET_DIRS.has(dir) ? 'localhost' : host;
  }
  return host;
}

/** libpq's pwdfMatchesString: the rest of the line after a field equal to `wanted`, or null. */
function matchField(line: string, wanted: string): string | null {
  if (line.startsWith('*:')) return line.slice(2);
  let i = 0;
  let j = 0;
  let escaped = false;
  while (i < line.length) {
    if (line[i] === '\\' && !escaped) {
      i++;
      escaped = true;
    }
    if (line[i] === ':' && j === wanted.length && !escaped) return line.slice(i + 1);
    escaped = false;
    if (j === wanted.length) return null;
    if (line[i] === wanted[j]) {
      i++;
      j++;
    } else {
      return null;
    }
  }
  return null;
}

/** The password field runs to the first unescaped `:` (or the end); backslashes escape. */
function unescapePassword(field: string): string {
  let out = '';
  for (let i = 0; i < field.length && field[i] !== ':'; i++) {
    if (field[i] === '\\' && i + 1 < field.length) i++;
    out += field[i];
  }
  return out;
}

/** Which password file libpq would read: the connection's passfile, else PGPASSFILE, else ~/.pgpass. */
export function passfilePath(passfile: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (passfile) return passfile;
  if (env.PGPASSFILE) return env.PGPASSFILE;
  return path.join(env.HOME || os.homedir(), '.pgpass');
}

/**
 * Reads `file` and returns the password for `target`. A missing file gives undefined; an insecure or
 * non-regular file is ignored, reported through `warn` like libpq's WARNING.
 */
export async function readPassfilePassword(
  file: string,
  target: PassfileTarget,
  warn: (message: string) => void = () => undefined,
): Promise<string | undefined> {
  let st;
  try {
    st = await stat(file);
  } catch {
    return undefined;
  }
  if (!st.isFile()) {
    warn(`password file "${file}" is not a plain file`);
    return undefined;
  }
  if ((st.mode & 0o077) !== 0) {
    warn(`password file "${file}" has group or world access; permissions should be u=rw (0600) or less`);
    return undefined;
  }
  const text = await readFile(file, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : passwordFromPassfileText(text, target);
}
