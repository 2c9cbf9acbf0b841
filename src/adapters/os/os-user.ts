// Which OS user a private PostgreSQL instance runs as, and how to start its programs as that user.
//
// PostgreSQL refuses to run as root. When pgbackops itself runs as root, initdb/pg_ctl/postgres are started
// as an unprivileged user (default `postgres`) by passing uid/gid to the spawned process: no sudo/runuser
// in between, no shell, and libuv drops root's supplementary groups when it switches uid.
import { existsSync } from 'node:fs';
import os from 'node:os';
import { runProgram } from './run-program.js';

export interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

export const DEFAULT_INSTANCE_USER = 'postgres';

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function currentOsUser(): OsUser {
  const info = os.userInfo();
  return { name: info.username, uid: info.uid, gid: info.gid };
}

// Every local-catalog connection resolves its user; spawning `id` once per process is enough.
const lookups = new Map<string, Promise<OsUser>>();

/** Looks a user up by name through NSS (`id`), so LDAP/sssd users work too. */
export function lookupOsUser(name: string): Promise<OsUser> {
  let found = lookups.get(name);
  if (!found) {
    found = lookup(name);
    found.catch(() => lookups.delete(name));
    lookups.set(name, found);
  }
  return found;
}

async function lookup(name: string): Promise<OsUser> {
  if (!/^[a-z_][a-z0-9_.-]*\$?$/i.test(name)) throw new Error(`invalid OS user name ${JSON.stringify(name)}`);
  const [uid, gid] = await Promise.all([runProgram(systemProgram('id'), ['-u', '--', name]), runProgram(systemProgram('id'), ['-g', '--', name])]);
  if (uid.exitCode !== 0 || gid.exitCode !== 0) {
    throw new Error(
      `OS user ${JSON.stringify(name)} does not exist. PostgreSQL cannot run as root, so a root process runs ` +
        'the instance as an unprivileged user: create it or choose another one (runAsUser).',
    );
  }
  return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * The user the instance's programs run as: `runAsUser` (default postgres) when we are root,
 * otherwise ourselves (a normal user can only run things as itself).
 */
export async function instanceOwner(runAsUser?: string): Promise<OsUser> {
  if (!isRoot()) return currentOsUser();
  const user = await lookupOsUser(instanceOwnerName(runAsUser));
  if (user.uid === 0) throw new Error(`cannot run PostgreSQL as ${user.name}: it has uid 0 and PostgreSQL refuses to run as root`);
  return user;
}

/**
 * The name alone of instanceOwner(runAsUser), known without looking the user up: all that connecting to a
 * running instance needs (its bootstrap superuser is named after that user).
 */
export function instanceOwnerName(runAsUser?: string): string {
  return isRoot() ? (runAsUser ?? DEFAULT_INSTANCE_USER) : currentOsUser().name;
}

/** runProgram options that run a program as `user` (no-op when that is already us). */
export function spawnAs(user: OsUser): { uid?: number; gid?: number } {
  return isRoot() && user.uid !== 0 ? { uid: user.uid, gid: user.gid } : {};
}

export interface PasswdEntry extends OsUser {
  home: string;
}

/**
 * A user's passwd entry by name or uid through NSS (`getent passwd`): what a process started as that user
 * needs besides its ids (HOME, as cron and login set it).
 */
export async function lookupPasswdEntry(nameOrUid: string | number): Promise<PasswdEntry> {
  const key = String(nameOrUid);
  if (!/^[a-z_][a-z0-9_.-]*\$?$/i.test(key) && !/^\d+$/.test(key)) throw new Error(`invalid OS user ${JSON.stringify(key)}`);
  const kept = passwdEntries.get(key);
  if (kept && Date.now() - kept.at < PASSWD_ENTRY_TTL_MS) return kept.entry;
  const entry = ownPasswdEntry(key) ?? await readPasswdEntry(key);
  passwdEntries.set(key, { entry, at: Date.now() });
  return entry;
}

/**
 * Entries found in the last minute: the daemon hands its definition cache to the job user after every pass,
 * and one `getent` per pass would be a process started for an answer that rarely changes. A user that does not
 * exist is asked again every time (it may be created next).
 */
const PASSWD_ENTRY_TTL_MS = 60_000;
const passwdEntries = new Map<string, { entry: PasswdEntry; at: number }>();

/**
 * This process's own user, when `key` names it (by uid or name), from os.userInfo(): the same NSS lookup
 * (getpwuid_r) without starting `getent`: root acting for a server whose state directory root owns asks for
 * itself in every run it starts.
 */
function ownPasswdEntry(key: string): PasswdEntry | null {
  let info: os.UserInfo<string>;
  try {
    info = os.userInfo();
  } catch {
    return null; // no passwd entry for our uid: getent says so with its own message
  }
  if (key !== String(info.uid) && key !== info.username) return null;
  return { name: info.username, uid: info.uid, gid: info.gid, home: info.homedir || '/' };
}

async function readPasswdEntry(key: string): Promise<PasswdEntry> {
  const result = await runProgram(systemProgram('getent'), ['passwd', '--', key]);
  const fields = result.exitCode === 0 ? result.stdout.split('\n')[0]!.split(':') : [];
  if (fields.length < 7) throw new Error(`OS user ${JSON.stringify(key)} does not exist (getent passwd found no entry)`);
  return { name: fields[0]!, uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] || '/' };
}

/**
 * The system's own copy of a user-database tool (`getent`, `id`), not whatever the caller's PATH finds first:
 * who a user is must not depend on the PATH a job was started with (cron's is short, a test's may be empty).
 */
function systemProgram(name: string): string {
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    const candidate = `${dir}/${name}`;
    if (existsSync(candidate)) return candidate;
  }
  return name;
}
