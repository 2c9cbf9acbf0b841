// The catalog a server uses, remembered in its state directory at apply time, so that jobs started by cron
// (which only pass --state-dir) record into the same catalog. Stored without any password: the job's
// password comes from libpq (passfile, PGPASSFILE, service), like every other connection of pgbackops. So a
// catalog URL that carries a password is refused at apply: the jobs would get the URL without it, fail to
// authenticate, and spool every run while the apply that set them up had looked fine.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../adapters/fs/atomic-write.js';
import { ConnectionStringError, parseConnectionString } from '../adapters/postgres/libpq-connection.js';
import { PgbackopsError } from '../core/errors.js';

interface Remembered {
  url: string | null;
}

function path(stateDir: string): string {
  return join(stateDir, 'catalog.json');
}

export function readRememberedCatalog(stateDir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(path(stateDir), 'utf8')) as Remembered).url ?? undefined;
  } catch {
    return undefined;
  }
}

export async function rememberCatalog(stateDir: string, url: string | undefined): Promise<void> {
  const remembered: Remembered = { url: url ? withoutPassword(url) : null };
  await writeFileAtomic(path(stateDir), JSON.stringify(remembered) + '\n', 0o600);
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}

export class CatalogUrlPasswordError extends PgbackopsError {
  readonly code = 'E_CATALOG_URL_PASSWORD';
}

/** Throws CatalogUrlPasswordError when the catalog URL holds a password (user:password@, or ?password=). */
export function refusePasswordInCatalogUrl(url: string | undefined): void {
  if (!url) return;
  let password: string | undefined;
  try {
    password = parseConnectionString(url).password;
  } catch (err) {
    // A URL that does not parse is reported where it is used, with the parser's own message.
    if (err instanceof ConnectionStringError) return;
    throw err;
  }
  if (password === undefined) return;
  throw new CatalogUrlPasswordError(
    'the catalog connection string holds a password. Scheduled jobs find the catalog through the URL remembered in the state ' +
      'directory, which never holds a password, so they could not authenticate. Remove the password from the URL ' +
      '(--catalog / PGBACKOPS_CATALOG_URL) and give it to libpq in a password file readable by the job user: ' +
      '~/.pgpass of that user, or a file named in the URL (?passfile=/etc/pgbackops/pgpass) with a line ' +
      'host:port:database:user:password, mode 0600',
  );
}
