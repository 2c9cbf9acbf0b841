// Jobs run as the server's job user (the cron.d `user` field, the crontab's owner, the builtin daemon's
// user: src/core/access/job-user.ts), which is often not the user that applies or runs a command by hand
// (root). What a job reads or writes under the state directory (its definition cache, the spool, run locks,
// the remembered catalog) and its backup root must belong to it, and a root process that acts for the
// server must act as that user (src/cli/act-as-job-user.ts) after checking here that it can.
import { chmod, chown, mkdir, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { makeDirectory } from '../adapters/fs/make-directory.js';
import { localCatalogPaths } from '../adapters/catalog/local-catalog.js';
import { isRoot, lookupPasswdEntry, type PasswdEntry } from '../adapters/os/os-user.js';
import { describeOwnership, mayAccess, type Access } from '../core/access/mode-bits.js';
import { jobUserOf } from '../core/access/job-user.js';
import type { BackupServerSpec } from '../core/model.js';
import { cachePath, definitionCacheDir } from '../runtime/definition-cache.js';
import { backupRootOf, resolveJobUser, type JobUser } from '../runtime/job-user.js';

/**
 * Directories under the state directory that jobs write (parents first; cache/definitions: definition-cache.ts;
 * tmp: off-site copies downloaded for a restore or verify, src/jobs/offsite/fetch-copy.ts).
 */
const JOB_STATE_DIRS = ['cache', 'cache/definitions', 'spool', 'locks', 'tmp'] as const;

export async function grantJobUser(stateDir: string, serverName: string, server: BackupServerSpec): Promise<void> {
  if (!isRoot()) return;
  const user = await resolveJobUser(stateDir, server);
  if (user.uid === 0) return;
  // The state directory itself only needs to be enterable (it may also hold root's local catalog).
  const mode = (await stat(stateDir)).mode & 0o777;
  if ((mode & 0o001) === 0) await chmod(stateDir, mode | 0o011);
  for (const dir of JOB_STATE_DIRS) {
    const path = join(stateDir, dir);
    await mkdir(path, { recursive: true, mode: 0o700 });
    await chown(path, user.uid, user.gid);
  }
  for (const file of [cachePath(stateDir, serverName), join(stateDir, 'catalog.json')]) {
    await chown(file, user.uid, user.gid).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
  // Only a backup root pgbackops created is handed over; an existing one is the operator's to set up. Parents
  // it had to create are left root's but enterable (0755, as `mkdir -p` makes them), or the job could not
  // reach its backup root.
  const created = await makeDirectory(backupRootOf(stateDir, server), 0o700, 0o755);
  if (created.created) await chown(backupRootOf(stateDir, server), user.uid, user.gid);
}

export interface JobAccessRequest {
  stateDir: string;
  server: string;
  spec: BackupServerSpec;
  /** run, maintain and prune write backups (and remove expired ones); restore and verify read them. */
  backups: 'write' | 'read';
  /** The local catalog under the state directory (no catalog URL): the job user must be the one running it. */
  localCatalog: boolean;
  /** The program the job user will start (the pgbackops launcher). */
  launcher: string;
}

/**
 * What `user` could not do of what a job of this server does, one sentence each (empty: nothing). Checked
 * before a root process hands a command over to the job user, so a denial is reported up front, with the
 * path and its owner, instead of as EACCES halfway through a backup.
 */
export async function jobAccessProblems(user: JobUser, request: JobAccessRequest): Promise<string[]> {
  // One sentence per path: a directory the user cannot enter is named once, not for everything below it.
  const problems = new Map<string, string>();
  const deny = (path: string, st: Stats, access: Access, why: string): void => {
    if (!problems.has(path)) problems.set(path, `${user.name} cannot ${verb(access)} ${path} (${describeOwnership(st)}): ${why}`);
  };
  const check = async (path: string, access: Access, why: string): Promise<void> => {
    const st = await statOrNull(path);
    if (st && !mayAccess(user, st, access)) deny(path, st, access, why);
  };
  const checkPath = async (path: string, last: Access[], why: string): Promise<void> => {
    // Every existing directory on the way must be enterable; below the first missing one, the deepest
    // existing directory must be writable, for the job creates the rest.
    const chain: string[] = [];
    for (let p = path; ; p = dirname(p)) {
      chain.unshift(p);
      if (p === dirname(p)) break;
    }
    for (let i = 0; i < chain.length; i++) {
      const p = chain[i]!;
      const isLast = i === chain.length - 1;
      const st = await statOrNull(p);
      if (!st) {
        if (last.includes('write') && i > 0) await check(chain[i - 1]!, 'write', why);
        return;
      }
      for (const access of isLast ? last : ['search' as const]) {
        if (!mayAccess(user, st, access)) {
          deny(p, st, access, why);
          return;
        }
      }
    }
  };

  await checkPath(request.launcher, ['read'], 'the pgbackops program');
  await checkPath(request.stateDir, ['search'], 'the state directory');
  for (const dir of JOB_STATE_DIRS) {
    const path = join(request.stateDir, dir);
    if (await statOrNull(path)) await checkPath(path, ['read', 'write', 'search'], `the job's ${dir}`);
    else await check(dirname(path), 'write', `the job creates ${dir}/ in it`);
  }
  await check(cachePath(request.stateDir, request.server), 'read', 'the server\'s definition cache');
  await checkPath(backupRootOf(request.stateDir, request.spec), request.backups === 'write' ? ['search', 'write'] : ['search'], 'the backup root');
  if (request.localCatalog) {
    const data = await statOrNull(localCatalogPaths(request.stateDir).dataDir);
    if (data && data.uid !== user.uid) {
      problems.set(
        'catalog',
        `${user.name} cannot reach the local catalog under ${request.stateDir}/catalog, which runs as uid ${data.uid}: ` +
          'make the job user the local catalog\'s user, or use a central catalog (--catalog URL)',
      );
    }
  }
  return [...problems.values()];
}

function verb(access: Access): string {
  return access === 'search' ? 'enter' : access;
}

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw err;
  }
}
