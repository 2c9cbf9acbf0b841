// Global setup of the integration tests: the system programs they drive for real must be installed. When
// one is missing the run stops before any test, with one message naming the Debian packages to install,
// instead of a file's worth of ENOENT failures (and it does not skip: a test that cannot run is not a pass).
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { findServerBinaries } from '../../src/adapters/postgres/binaries.js';

interface Missing {
  what: string;
  debianPackage: string;
}

/** What is missing, with the Debian package that provides it; empty when everything is there. */
export async function missingPrerequisites(): Promise<Missing[]> {
  const missing: Missing[] = [];
  // The same search a private cluster is started with (PATH, pg_config, /usr/lib/postgresql/*/bin); the
  // package brings pg_dump, psql and pg_restore along.
  if (!(await findServerBinaries().then(() => true, () => false))) {
    missing.push({ what: 'PostgreSQL server binaries (initdb, pg_ctl, postgres)', debianPackage: 'postgresql' });
  }
  if (!(await onPath('crontab'))) missing.push({ what: '`crontab` on PATH', debianPackage: 'cron' });
  // The cron daemon test starts /usr/sbin/cron itself.
  if (!(await onPath('cron')) && !(await isExecutable('/usr/sbin/cron'))) missing.push({ what: 'the cron daemon (`cron`)', debianPackage: 'cron' });
  return missing;
}

/** The message printed once when something is missing. */
export function prerequisitesMessage(missing: readonly Missing[]): string {
  const packages = [...new Set(missing.map((m) => m.debianPackage))];
  return [
    'The integration tests need programs that are not installed:',
    ...missing.map((m) => `  - ${m.what} (Debian package: ${m.debianPackage})`),
    `Install them, e.g. as root: apt-get install ${packages.join(' ')}   (.ci/run does this), then run the tests again.`,
  ].join('\n');
}

export default async function setup(): Promise<void> {
  const missing = await missingPrerequisites();
  if (missing.length === 0) return;
  // Exit rather than throw: a thrown error is followed by vitest's "No test files found" and a stack,
  // which bury the one line that matters. Nothing has been started yet, so there is nothing to clean up.
  process.stderr.write(`\n${prerequisitesMessage(missing)}\n\n`);
  process.exit(1);
}

async function onPath(program: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    if (await isExecutable(join(dir, program))) return true;
  }
  return false;
}

async function isExecutable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(() => true, () => false);
}
