// Finding the PostgreSQL server binaries (initdb, pg_ctl, postgres) a private instance is run with.
//
// Search order: directories on PATH, then `pg_config --bindir`, then the Debian/Ubuntu layout
// /usr/lib/postgresql/<major>/bin, newest major first. PATH entries are often symlinks
// (/usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb); we resolve them, because pg_ctl finds
// `postgres` next to its own real path and the three binaries must come from one installation.
import { access, readdir, realpath } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import { runProgram } from '../os/run-program.js';
import { PgbackopsError } from '../../core/errors.js';

export interface ServerBinaries {
  /** Real directory holding the binaries. */
  binDir: string;
  /** Major version (15 for 15.13). */
  major: number;
  /** Full version string as printed by pg_ctl --version, e.g. "15.13". */
  version: string;
  initdb: string;
  pgCtl: string;
  postgres: string;
}

export class ServerBinariesNotFoundError extends PgbackopsError {
  readonly code = 'E_SERVER_BINARIES';
}

const DEBIAN_LAYOUT_ROOT = '/usr/lib/postgresql';
const REQUIRED = ['initdb', 'pg_ctl', 'postgres'] as const;

// Spawning pg_ctl --version for every candidate costs a few ms each; a process needs this once.
const cache = new Map<string, Promise<ServerBinaries>>();

/**
 * The server binaries to use. With `preferredMajor`, an installation of that major wins wherever it is found;
 * without one (or if none has it) the first complete installation in search order is returned.
 * Use `requireMajor` when only one major will do (an existing data directory).
 */
export function findServerBinaries(preferredMajor?: number, opts: { requireMajor?: boolean } = {}): Promise<ServerBinaries> {
  const key = `${preferredMajor ?? ''}:${opts.requireMajor ? 'strict' : 'loose'}:${process.env.PATH ?? ''}`;
  let found = cache.get(key);
  if (!found) {
    found = search(preferredMajor, opts.requireMajor ?? false);
    // A failed search is not cached: the operator may install PostgreSQL and retry in the same daemon.
    found.catch(() => cache.delete(key));
    cache.set(key, found);
  }
  return found;
}

async function search(preferredMajor: number | undefined, requireMajor: boolean): Promise<ServerBinaries> {
  const looked: string[] = [];
  const candidates: ServerBinaries[] = [];
  for await (const dir of candidateDirs(looked)) {
    const binaries = await inspect(dir);
    if (!binaries) continue;
    if (preferredMajor === undefined || binaries.major === preferredMajor) return binaries;
    candidates.push(binaries);
  }
  if (preferredMajor !== undefined && !requireMajor && candidates[0]) return candidates[0];
  const wanted = preferredMajor === undefined ? 'PostgreSQL server binaries' : `PostgreSQL ${preferredMajor} server binaries`;
  const others = candidates.length ? ` (found only: ${candidates.map((c) => `${c.version} in ${c.binDir}`).join(', ')})` : '';
  throw new ServerBinariesNotFoundError(
    `${wanted} (initdb, pg_ctl, postgres) not found${others}. Looked in: ${[...new Set(looked)].join(', ') || '(nothing)'}. ` +
      'Install the PostgreSQL server package or put its bin directory on PATH.',
  );
}

async function* candidateDirs(looked: string[]): AsyncGenerator<string> {
  const seen = new Set<string>();
  const fresh = (dir: string): boolean => {
    if (seen.has(dir)) return false;
    seen.add(dir);
    return true;
  };

  for (const entry of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    looked.push(entry);
    const initdb = path.join(entry, 'initdb');
    if (!(await isExecutable(initdb))) continue;
    const dir = path.dirname(await realpath(initdb));
    if (fresh(dir)) yield dir;
  }

  looked.push('pg_config --bindir');
  const fromPgConfig = await runProgram('pg_config', ['--bindir']);
  if (fromPgConfig.exitCode === 0 && fromPgConfig.stdout.trim()) {
    const dir = await realpath(fromPgConfig.stdout.trim()).catch(() => fromPgConfig.stdout.trim());
    if (fresh(dir)) yield dir;
  }

  looked.push(`${DEBIAN_LAYOUT_ROOT}/*/bin`);
  const majors = await readdir(DEBIAN_LAYOUT_ROOT).catch(() => [] as string[]);
  const newestFirst = majors.filter((m) => /^\d+(\.\d+)?$/.test(m)).sort((a, b) => Number(b) - Number(a));
  for (const major of newestFirst) {
    const dir = path.join(DEBIAN_LAYOUT_ROOT, major, 'bin');
    if (fresh(dir)) yield dir;
  }
}

async function inspect(dir: string): Promise<ServerBinaries | null> {
  for (const name of REQUIRED) {
    if (!(await isExecutable(path.join(dir, name)))) return null;
  }
  const pgCtl = path.join(dir, 'pg_ctl');
  const result = await runProgram(pgCtl, ['--version']);
  const version = parseVersion(result.stdout);
  if (result.exitCode !== 0 || !version) return null;
  return {
    binDir: dir,
    major: version.major,
    version: version.text,
    initdb: path.join(dir, 'initdb'),
    pgCtl,
    postgres: path.join(dir, 'postgres'),
  };
}

/** "pg_ctl (PostgreSQL) 15.13 (Debian 15.13-0+deb12u1)" -> { major: 15, text: "15.13" }; 9.6.x -> major 9.6. */
export function parseVersion(output: string): { major: number; text: string } | null {
  const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(output);
  if (!match) return null;
  const first = Number(match[1]);
  const second = match[2] === undefined ? undefined : Number(match[2]);
  const major = first >= 10 || second === undefined ? first : Number(`${first}.${second}`);
  return { major, text: second === undefined ? String(first) : `${first}.${second}` };
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
