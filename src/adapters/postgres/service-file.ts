// Finding a libpq connection service (`service=NAME`, PGSERVICE) in the service files, as libpq does:
// the user's file (PGSERVICEFILE, else ~/.pg_service.conf) first, then the system's
// (PGSYSCONFDIR/pg_service.conf, PGSYSCONFDIR defaulting to Debian's /etc/postgresql-common). The `pg`
// client does not read service files; pg_dump and psql do, so pgbackops' own connections read them here to
// reach the same server the tools reach. Synchronous: the files are a few lines, read once per connection
// configuration, and the callers build their configuration synchronously.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serviceFromFile, ServiceFileError } from '../../core/libpq/service-file.js';

export { ServiceFileError };

/** Where libpq's Debian build looks for the system-wide pg_service.conf when PGSYSCONFDIR is not set. */
const DEFAULT_SYSCONFDIR = '/etc/postgresql-common';

export function serviceFiles(env: NodeJS.ProcessEnv): { user: string; system: string } {
  const home = env.HOME || os.homedir();
  return {
    user: env.PGSERVICEFILE || path.join(home, '.pg_service.conf'),
    system: path.join(env.PGSYSCONFDIR || DEFAULT_SYSCONFDIR, 'pg_service.conf'),
  };
}

/** The keywords of a service, with the file they came from; an error names both files when it is in neither. */
export function readService(name: string, env: NodeJS.ProcessEnv): { keywords: Map<string, string>; file: string } {
  const files = serviceFiles(env);
  for (const file of [files.user, files.system]) {
    const text = readIfExists(file);
    if (text === null) continue;
    const keywords = serviceFromFile(text, name, file);
    if (keywords) return { keywords, file };
  }
  throw new ServiceFileError(`definition of service "${name}" not found (looked in ${files.user} and ${files.system}; PGSERVICEFILE and PGSYSCONFDIR choose them)`);
}

function readIfExists(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
