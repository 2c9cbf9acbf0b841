// Reads the crontab lines to import: a user's crontab through `crontab -l -u USER` (an argument array, no
// shell), or a file (a cron.d file, or a saved crontab).
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { execa } from 'execa';
import { PgbackopsError } from '../../core/errors.js';

export class CrontabReadError extends PgbackopsError {
  readonly code = 'E_IMPORT_SOURCE';
}

export async function readUserCrontab(user: string | undefined): Promise<{ text: string; owner: string }> {
  const owner = user ?? userInfo().username;
  const result = await execa('crontab', user ? ['-l', '-u', user] : ['-l'], { reject: false, stdin: 'ignore', env: { LC_ALL: 'C' } });
  if (result.exitCode !== 0) {
    // `crontab -l` exits 1 with "no crontab for USER" when there is none: nothing to import, not an error.
    if (/no crontab for/i.test(String(result.stderr))) return { text: '', owner };
    throw new CrontabReadError(`crontab -l${user ? ` -u ${user}` : ''} failed: ${String(result.stderr).trim() || `exit ${result.exitCode}`}`);
  }
  return { text: String(result.stdout), owner };
}

export async function readCronFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new CrontabReadError(`cannot read ${path}: ${(err as Error).message}`);
  }
}
