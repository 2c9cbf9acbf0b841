// Jobs started by cron run as the scheduler's user (the cron.d `user` field, or the crontab's owner), which
// is often not the user that applies (root). What a job reads or writes under the state directory (its
// definition cache, the spool, run locks, the remembered catalog) and its backup root must belong to it.
import { chmod, chown, mkdir, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { isRoot, lookupOsUser } from '../adapters/postgres/os-user.js';
import type { BackupServerSpec } from '../core/model.js';
import { cachePath, definitionCacheDir } from './definition-cache.js';

export function jobUserOf(server: BackupServerSpec): string | null {
  return server.scheduler.type === 'builtin' ? null : server.scheduler.user ?? null;
}

export async function grantJobUser(stateDir: string, serverName: string, server: BackupServerSpec): Promise<void> {
  const name = jobUserOf(server);
  if (!isRoot() || !name || name === 'root') return;
  const user = await lookupOsUser(name);
  // The state directory itself only needs to be enterable (it may also hold root's local catalog).
  const mode = (await stat(stateDir)).mode & 0o777;
  if ((mode & 0o001) === 0) await chmod(stateDir, mode | 0o011);
  for (const path of [join(stateDir, 'cache'), definitionCacheDir(stateDir), join(stateDir, 'spool'), join(stateDir, 'locks')]) {
    await mkdir(path, { recursive: true, mode: 0o700 });
    await chown(path, user.uid, user.gid);
  }
  for (const file of [cachePath(stateDir, serverName), join(stateDir, 'catalog.json')]) {
    await chown(file, user.uid, user.gid).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
  const root = isAbsolute(server.backupRoot) ? server.backupRoot : resolve(stateDir, server.backupRoot);
  const created = await mkdir(root, { recursive: true, mode: 0o700 });
  // Only a backup root pgbackops created is handed over; an existing one is the operator's to set up.
  if (created !== undefined) await chown(root, user.uid, user.gid);
}
