// The file of the CLI's configuration load cache (engine/config-load-cache.ts): what it holds, and how it is
// read and written. It is only ever a shortcut: a file that is missing, truncated, corrupted, written by
// another build of pgbackops, for another directory, or owned by another user is ignored (and replaced by
// the next write), never trusted. Written atomically (temp file, fsync, rename: adapters/fs/atomic-write.ts),
// so two processes writing at once leave one complete file, the last one renamed. The body's checksum is a
// CRC-32 (zlib's): it is there to catch a torn or damaged file, not a forger (a file others may write is
// refused before it is read), and at 100,000 definitions the body is ~66 MB, which sha256 took ~0.1-0.15 CPU s
// to hash on every plan.
import zlib from 'node:zlib';
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, rmSync, statSync, type BigIntStats } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256Hex } from '../core/canonical.js';
import type { ValidationResult } from '../core/config/validate.js';
import type { Diagnostic } from '../core/model.js';
import { writeFileAtomic } from '../adapters/fs/atomic-write.js';
import { VERSION } from '../runtime/version.js';

const FORMAT = 'pgbackops-config-load-cache';
/** Raised whenever what the file holds changes meaning (2: the body's checksum is `checksumOf`'s). */
const FORMAT_VERSION = 2;

/**
 * One configuration file as it was read: its path, its stat (`statKey`), the sha256 of the text validation
 * saw (configuration text) or of its bytes (a file with a problem), whether the stat alone may prove it
 * unchanged (false when it changed too close to when it was read), and why it is not configuration text
 * (binary, not UTF-8, too large), when it is not. A tuple: a fleet's cache holds one per file.
 */
export type CachedFileEntry = [path: string, stat: string, digest: string, trusted: boolean, problem: Diagnostic | null];

/** Device, inode, mode, size, and modification and change times in ns, as one text. */
export function statKey(st: BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.mode}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

export interface CachedValidation {
  /** Digest of everything the validation depended on (config-load-cache.ts, `validationKey`). */
  key: string;
  result: ValidationResult;
}

export interface LoadCacheContents {
  /** The configuration directory (resolved) the cache is of. */
  dir: string;
  /** The build that wrote it (`codeFingerprint`). */
  fingerprint: string;
  files: CachedFileEntry[];
  validation: CachedValidation | null;
}

/** Where the cache of configuration directory `dir` lives in a state directory (docs/operations.md). */
export function loadCachePath(stateDir: string, dir: string): string {
  return join(stateDir, 'plan-cache', `${sha256Hex(dir).slice(0, 16)}.json`);
}

let fingerprint: string | undefined;

/**
 * What identifies the running build: pgbackops' version, Node's (its time-zone data normalises schedules), and
 * the size and modification time of every file of the code beside this module (dist/bundle/: the shared
 * bundle's chunks, which hold the schemas' validators and the rules; a rebuild rewrites them). A cache written
 * by any other build is not used.
 */
export function codeFingerprint(): string {
  if (fingerprint !== undefined) return fingerprint;
  const codeDir = dirname(fileURLToPath(import.meta.url));
  const parts = [FORMAT, String(FORMAT_VERSION), VERSION, process.version];
  for (const name of readdirSync(codeDir).sort()) {
    try {
      const st = statSync(join(codeDir, name), { bigint: true });
      if (st.isFile()) parts.push(`${name}\u0000${st.size}\u0000${st.mtimeNs}`);
    } catch {
      parts.push(`${name}\u0000gone`);
    }
  }
  fingerprint = sha256Hex(parts.join('\u0001'));
  return fingerprint;
}

/**
 * The cache at `path` when it is one this process may use: a complete file of this format, owned by this
 * user and writable by no one else, whose checksum matches, for `dir` and this build; otherwise null.
 */
export function readLoadCache(path: string, dir: string, build: string): LoadCacheContents | null {
  let bytes: Buffer;
  try {
    const fd = openSync(path, 'r');
    try {
      const st = fstatSync(fd);
      // Another user's file could say anything about this user's configuration.
      if (!st.isFile() || st.uid !== process.geteuid?.() || (st.mode & 0o022) !== 0) return null;
      bytes = readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  const newline = bytes.indexOf(10);
  if (newline === -1) return null;
  try {
    const header = JSON.parse(bytes.toString('utf8', 0, newline)) as { format?: unknown; formatVersion?: unknown; checksum?: unknown };
    if (header.format !== FORMAT || header.formatVersion !== FORMAT_VERSION || typeof header.checksum !== 'string') return null;
    const body = bytes.subarray(newline + 1);
    if (checksumOf(body) !== header.checksum) return null;
    const contents = JSON.parse(body.toString('utf8')) as LoadCacheContents;
    return isContents(contents) && contents.dir === dir && contents.fingerprint === build ? contents : null;
  } catch {
    return null;
  }
}

/**
 * Writes the cache (atomically; mode 0600), and removes the least recently written beyond KEPT_CACHES (a
 * `--repo` source exports each commit into a directory of its own). A state directory that cannot take it is
 * no error: the cache is a shortcut.
 */
export async function writeLoadCache(path: string, contents: LoadCacheContents): Promise<boolean> {
  const body = JSON.stringify(contents);
  const header = JSON.stringify({ format: FORMAT, formatVersion: FORMAT_VERSION, checksum: checksumOf(body) });
  try {
    await writeFileAtomic(path, `${header}\n${body}`, 0o600);
  } catch {
    return false;
  }
  pruneOthers(path);
  return true;
}

/**
 * The body's checksum: zlib's CRC-32 (Node 20.15 and later), else its sha256 on an older Node 20 (a cache
 * written by the one is not used by the other: `codeFingerprint` includes Node's version). A string is
 * taken as its UTF-8 bytes, as it is written.
 */
function checksumOf(body: string | Buffer): string {
  return typeof zlib.crc32 === 'function' ? `crc32:${zlib.crc32(body)}` : `sha256:${sha256Hex(body)}`;
}

/** Caches of this many configuration directories are kept. */
const KEPT_CACHES = 8;

function pruneOthers(path: string): void {
  const dir = dirname(path);
  try {
    const caches = readdirSync(dir)
      .filter((n) => /^[0-9a-f]{16}\.json$/.test(n))
      .map((n) => ({ path: join(dir, n), mtimeMs: statSync(join(dir, n), { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
      .sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const old of caches.slice(KEPT_CACHES)) if (old.path !== path) rmSync(old.path, { force: true });
  } catch {
    // Another process pruned at the same time, or the directory is not ours to tidy: the next write tries again.
  }
}

function isContents(c: LoadCacheContents): boolean {
  if (!c || typeof c !== 'object' || typeof c.dir !== 'string' || typeof c.fingerprint !== 'string' || !Array.isArray(c.files)) return false;
  if (!c.files.every(isEntry)) return false;
  if (c.validation === null) return true;
  const v = c.validation;
  return typeof v === 'object' && typeof v.key === 'string' && typeof v.result === 'object' && v.result !== null && Array.isArray(v.result.diagnostics)
    && (v.result.config === null || (typeof v.result.config === 'object' && typeof v.result.config.revision === 'string' && Array.isArray(v.result.config.objects)));
}

function isEntry(e: CachedFileEntry): boolean {
  return Array.isArray(e) && e.length === 5 && typeof e[0] === 'string' && typeof e[1] === 'string' && typeof e[2] === 'string' && typeof e[3] === 'boolean'
    && (e[4] === null || (typeof e[4] === 'object' && typeof e[4].code === 'string'));
}
