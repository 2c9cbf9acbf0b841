// Finding the PostgreSQL client tools (pg_dump, pg_dumpall, pg_restore, psql) of a major version able to
// talk to a given server, and reading that server's version.
//
// Which one when several are installed: the LOWEST major that is >= the server's (the closest match), not
// the newest. pg_dump refuses servers newer than itself, so anything >= works for the dump; but what it
// writes is tied to its own version: a custom/directory archive from pg_dump N can only be read by
// pg_restore >= N, and plain SQL from a newer pg_dump may use syntax an older server rejects. The closest
// major keeps a backup restorable into a server like the one it came from, with that server's tools.
//
// Candidates, in order (the first one found of a given major wins): the backup server's pgBinDirs, the
// Debian/Ubuntu layout /usr/lib/postgresql/<major>/bin, `pg_config --bindir`, then PATH. A PATH entry that is
// a link to Debian's pg_wrapper (/usr/bin/pg_dump) is skipped: the wrapper picks a version per call from the
// environment and cluster configuration, so what `--version` says need not be what later runs.
import { access, realpath, readdir, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { parseVersion } from './binaries.js';
import { runProgram } from '../os/run-program.js';
import type { ToolVersionFile } from './tool-version-file.js';
import { PgbackopsError } from '../../core/errors.js';

export type PgToolName = 'pg_dump' | 'pg_dumpall' | 'pg_restore' | 'psql' | 'pg_basebackup' | 'pg_verifybackup' | 'pg_ctl' | 'pg_receivewal' | 'pg_waldump' | 'pg_controldata';

export interface PgTool {
  /** Absolute path of the real binary. */
  path: string;
  /** 15 for 15.13; 9.6 for 9.6.24. */
  major: number;
  /** "15.13". */
  version: string;
}

export class ToolNotFoundError extends PgbackopsError {
  readonly code = 'E_TOOL_NOT_FOUND';
}

const DEBIAN_LAYOUT_ROOT = '/usr/lib/postgresql';

/**
 * The `name` binary of the lowest major >= minMajor.
 * @param binDirs a backup server's pgBinDirs ({ "16": "/opt/pg16/bin" }); searched first.
 * @param versionFile where `--version` answers are remembered across processes (the jobs' state directory).
 */
export async function findTool(name: PgToolName, minMajor: number, binDirs?: Record<string, string>, versionFile?: ToolVersionFile): Promise<PgTool> {
  const looked: string[] = [];
  const found: PgTool[] = [];
  for await (const file of candidateFiles(name, binDirs ?? {}, looked)) {
    const tool = await inspect(file, versionFile);
    if (!tool) continue;
    found.push(tool);
    // chooseTool takes the first one found of the lowest major >= minMajor: nothing found later can beat an
    // exact match, so the search (pg_config, a version probe per binary on PATH) stops here.
    if (tool.major === minMajor) break;
  }
  return chooseTool(name, found, minMajor, looked);
}

/**
 * The choice among the binaries found (in search order): the lowest major >= minMajor, the first found of
 * that major. Throws a ToolNotFoundError that says what to install when none will do. Pure.
 */
export function chooseTool(name: PgToolName, found: readonly PgTool[], minMajor: number, looked: readonly string[] = []): PgTool {
  let best: PgTool | undefined;
  for (const tool of found) if (tool.major >= minMajor && (!best || tool.major < best.major)) best = tool;
  if (best) return best;

  const where = `looked in: ${[...new Set(looked)].join(', ') || '(nothing)'}`;
  if (found.length === 0) {
    throw new ToolNotFoundError(`${name} not found (${where}); install the PostgreSQL client package or set spec.pgBinDirs`);
  }
  const newest = found.reduce((a, b) => (b.major > a.major ? b : a));
  const others = found.map((t) => `${t.version} at ${t.path}`).join(', ');
  throw new ToolNotFoundError(
    `${name} ${newest.major} ${name === 'pg_dump' || name === 'pg_dumpall' ? 'cannot dump' : 'is too old for'} a PostgreSQL ${minMajor} server; ` +
      `install postgresql-client-${minMajor} or set spec.pgBinDirs (found: ${others})`,
  );
}

/** The real path of every `name` binary, in search order, each once; lazily, so a search can stop early. */
async function* candidateFiles(name: PgToolName, binDirs: Record<string, string>, looked: string[]): AsyncGenerator<string> {
  const seen = new Set<string>();
  for await (const dir of candidateDirs(binDirs)) {
    looked.push(dir);
    const file = path.join(dir, name);
    if (!(await isExecutable(file))) continue;
    const real = await realpath(file).catch(() => null);
    // Debian's pg_wrapper (and any other dispatcher) has another name than the tool it runs.
    if (real === null || path.basename(real) !== name || seen.has(real)) continue;
    seen.add(real);
    yield real;
  }
}

async function* candidateDirs(binDirs: Record<string, string>): AsyncGenerator<string> {
  // Configured directories, lowest major first so that a later duplicate major does not shadow them.
  const configured = Object.entries(binDirs).sort(([a], [b]) => Number(a) - Number(b));
  for (const [, dir] of configured) yield dir;

  const majors = await readdir(DEBIAN_LAYOUT_ROOT).catch(() => [] as string[]);
  for (const major of majors.filter((m) => /^\d+(\.\d+)?$/.test(m)).sort((a, b) => Number(a) - Number(b))) {
    yield path.join(DEBIAN_LAYOUT_ROOT, major, 'bin');
  }

  const fromPgConfig = await runProgram('pg_config', ['--bindir']);
  if (fromPgConfig.exitCode === 0 && fromPgConfig.stdout.trim()) yield fromPgConfig.stdout.trim();

  for (const entry of (process.env.PATH ?? '').split(path.delimiter)) if (entry) yield entry;
}

// `--version` of each binary, remembered while the file is unchanged (an upgrade of the client package
// replaces it, and a daemon must notice): in this process, and in versionFile when given. A binary that gave
// no version is asked again by the next process (it may have been a timeout on a busy machine).
const versions = new Map<string, { stamp: string; tool: PgTool | null }>();

async function inspect(file: string, versionFile: ToolVersionFile | undefined): Promise<PgTool | null> {
  const st = await stat(file).catch(() => null);
  if (!st) return null;
  // ctime too: a package manager may set mtime from the package, but any replacement changes ctime.
  const stamp = `${st.mtimeMs}:${st.ctimeMs}:${st.size}:${st.ino}`;
  const cached = versions.get(file) ?? (await versionFile?.get(file));
  if (cached && cached.stamp === stamp) {
    versions.set(file, cached);
    return cached.tool;
  }
  const result = await runProgram(file, ['--version'], { timeoutMs: 10_000 });
  const version = result.exitCode === 0 ? parseVersion(result.stdout) : null;
  const tool = version ? { path: file, major: version.major, version: version.text } : null;
  versions.set(file, { stamp, tool });
  if (tool) await versionFile?.remember(file, { stamp, tool });
  return tool;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The connected server's major version (15, or 9.6 for 9.6.x) and version ("15.13"). */
export async function serverMajor(client: pg.Client): Promise<{ major: number; version: string }> {
  const { rows } = await client.query<{ num: string; version: string }>(
    "SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version",
  );
  const row = rows[0];
  if (!row) throw new Error('the server did not report its version');
  return { major: majorFromVersionNum(Number(row.num)), version: row.version.split(' ')[0] as string };
}

/** 150013 -> 15; 90624 -> 9.6 (before 10 the major had two parts). */
export function majorFromVersionNum(num: number): number {
  if (!Number.isInteger(num) || num <= 0) throw new Error(`invalid server_version_num ${num}`);
  const first = Math.floor(num / 10000);
  return first >= 10 ? first : Number(`${first}.${Math.floor(num / 100) % 100}`);
}
