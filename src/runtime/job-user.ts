// Who a backup server's jobs run as, and where its backups go: what apply (granting the job user its
// directories), a root command handing over to the job user, and the pgbackrest method (running pgBackRest as
// that user) all need, so it sits below engine and methods.
import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { lookupPasswdEntry, type PasswdEntry } from '../adapters/os/os-user.js';
import { jobUserOf } from '../core/access/job-user.js';
import type { BackupServerSpec } from '../core/model.js';

export interface JobUser extends PasswdEntry {
  /** Why this user (for messages): which setting names it. */
  because: string;
}

export function backupRootOf(stateDir: string, server: BackupServerSpec): string {
  return isAbsolute(server.backupRoot) ? server.backupRoot : resolve(stateDir, server.backupRoot);
}

/** The server's job user; where that is the state directory's owner and there is none yet, this process's user. */
export async function resolveJobUser(stateDir: string, server: BackupServerSpec): Promise<JobUser> {
  const choice = jobUserOf(server.scheduler);
  const owner = await stat(stateDir).then((s) => s.uid, (err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
    throw err;
  });
  const key = choice.name ?? owner ?? process.getuid?.() ?? 0;
  return { ...(await lookupPasswdEntry(key)), because: choice.because };
}
