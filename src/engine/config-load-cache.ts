// The CLI's configuration load, with a cache on disk (like git's index or eslint --cache): a `plan` over an
// unchanged directory neither reads, parses nor validates its files again. Two levels:
//
// - Per file: its stat (device, inode, mode, size, mtime and ctime in ns) and the sha256 of its content. A
//   file whose stat is unchanged is not opened; one whose stat changed is read and hashed again. As git does
//   with "racy" entries, a file modified shortly before it was read (less than RACY_MARGIN_NS before the walk
//   began, or later: file times come from a coarse clock, and some file systems keep seconds only) is not
//   trusted on its stat alone: it is read and hashed at every load until it is older than that.
// - The validation's result (the desired objects and every diagnostic), kept with a digest of everything it
//   depends on: the files' paths and content digests in path order, the reading's problems, the options
//   that change it (pgDumpVersion) and the UTC year of the load's time (RPO worst cases are measured over
//   the calendar year of it: core/rpo/worst-gap.ts). The same digest gives the kept result; any other runs
//   the whole validation (core/config/validate.ts) on every file's text, and keeps its result.
//
// The cache is of one configuration directory, in the state directory (config-load-cache-file.ts says where,
// and when a file is not used). `plan --no-cache` loads without it; `loadDesired` is the reference the tests
// hold this to (test/unit/config/config-load-cache.test.ts).
import { statSync, type BigIntStats } from 'node:fs';
import { resolve } from 'node:path';
import { readConfigDirRecalling, type FileMemory, type RecallingDirContents, type RecalledFile } from '../adapters/config-dir.js';
import { sha256Hex, sha256OfParts } from '../core/canonical.js';
import type { ConfigFile } from '../core/config/config-file.js';
import { compareText } from '../core/config/findings.js';
import type { ValidationResult } from '../core/config/validate.js';
import type { Diagnostic } from '../core/model.js';
import { codeFingerprint, loadCachePath, readLoadCache, statKey, writeLoadCache, type CachedFileEntry, type LoadCacheContents } from './config-load-cache-file.js';
import { finishLoad, type LoadOptions, type LoadResult } from './finish-load.js';

/** A file changed less than this before the walk began is re-read at the next load (see the top of this file). */
const RACY_MARGIN_NS = 3_000_000_000n;

export interface CachedLoadOptions extends LoadOptions {
  /** The state directory whose cache/ holds the cache. */
  stateDir: string;
  /** The build's identity (default `codeFingerprint()`; the tests give their own). */
  fingerprint?: string;
  /** The wall clock (epoch ms) the racy rule compares file times with (default Date.now; the tests move it). */
  clock?: () => number;
}

/** What the last cached load did, for the log and the tests. */
export interface CachedLoadStats {
  /** Files taken from the cache by their stat, unopened. */
  recalled: number;
  /** Files opened and read. */
  read: number;
  /** The validation's result came from the cache. */
  validationCached: boolean;
  /** The cache file was (re)written. */
  written: boolean;
}

export async function loadDesiredCached(directory: string, options: CachedLoadOptions): Promise<LoadResult & { cache: CachedLoadStats }> {
  const dir = resolve(directory);
  const now = options.now ?? Date.now();
  const build = options.fingerprint ?? codeFingerprint();
  const path = loadCachePath(options.stateDir, dir);
  const kept = readLoadCache(path, dir, build);
  const trustedBefore = BigInt(Math.floor((options.clock ?? Date.now)())) * 1_000_000n - RACY_MARGIN_NS;
  const memory = new FileIndex(kept?.files ?? [], trustedBefore, true);
  const first = await readConfigDirRecalling(dir, memory);
  const stats: CachedLoadStats = { recalled: first.recalled.length, read: memory.read, validationCached: false, written: false };

  const key = validationKey(first, memory, now, options);
  let validated: ValidationResult;
  let index = memory;
  if (kept?.validation && kept.validation.key === key) {
    validated = kept.validation.result;
    stats.validationCached = true;
  } else {
    // The texts of every file are needed: read again the ones the first walk recalled (all of them, in one
    // walk, so that what is validated is one state of the directory and its key is of that state).
    let read: RecallingDirContents = first;
    if (first.recalled.length > 0) {
      index = new FileIndex(kept?.files ?? [], trustedBefore, false);
      read = await readConfigDirRecalling(dir, index);
      stats.read += index.read;
    }
    // Loaded only now: a result taken from the cache needs neither the parser nor the schemas' validators.
    const { validateConfig } = await import('../core/config/validate.js');
    validated = validateConfig(read.files, { now, ...options });
    return finish(read, validated, { key: validationKey(read, index, now, options), result: validated });
  }
  return finish(first, validated, kept!.validation!);

  async function finish(read: RecallingDirContents, result: ValidationResult, validation: { key: string; result: ValidationResult }): Promise<LoadResult & { cache: CachedLoadStats }> {
    const files = index.entries();
    // Into a state directory that exists and is this user's: a plan creates none (docs/cli.md: plan changes
    // nothing), and root planning by hand leaves no file of its own in the job user's state directory (its
    // other commands act as the job user; a cache owned by root would be refused by the job user's plans anyway).
    if ((!kept || kept.validation?.key !== validation.key || index.changed) && ownedByThisUser(options.stateDir)) {
      const contents: LoadCacheContents = { dir, fingerprint: build, files, validation };
      stats.written = await writeLoadCache(path, contents);
    }
    const fileCount = read.files.length + read.recalled.length;
    return { ...finishLoad(read.diagnostics, result, fileCount, options), cache: stats };
  }
}

/**
 * The digest of what a validation of this reading depends on: each configuration file's path and content
 * digest in path order, the reading's problems, pgDumpVersion and the UTC year of `now`.
 */
function validationKey(read: RecallingDirContents, index: FileIndex, now: number, options: LoadOptions): string {
  const paths = [...read.files.map((f) => f.path), ...read.recalled].sort(compareText);
  return sha256OfParts(
    (function* () {
      yield JSON.stringify({ year: new Date(now).getUTCFullYear(), pgDumpVersion: options.pgDumpVersion ?? null, problems: read.diagnostics });
      for (const p of paths) yield `\u0001${p}\u0000${index.digestOf(p)}`;
    })(),
  );
}

/** The per-file half: what was kept, what this walk saw. */
class FileIndex implements FileMemory {
  private readonly before: Map<string, CachedFileEntry>;
  private readonly now = new Map<string, CachedFileEntry>();
  read = 0;
  /** Some entry differs from the kept one (the cache is worth writing again). */
  changed = false;

  /**
   * `trustedBefore`: files older than this (ns since the epoch, by their mtime and ctime) are trusted on their
   * stat. `recalling`: false to read every file (and only note them).
   */
  constructor(entries: readonly CachedFileEntry[], private readonly trustedBefore: bigint, private readonly recalling: boolean) {
    this.before = new Map(entries.map((e) => [e[0], e]));
  }

  recall(rel: string, st: BigIntStats): RecalledFile | undefined {
    if (!this.recalling) return undefined;
    const e = this.before.get(rel);
    if (!e || !e[3] || e[1] !== statKey(st)) return undefined;
    this.now.set(rel, e);
    return e[4] ? { problem: e[4] } : { text: true };
  }

  noteRead(rel: string, st: BigIntStats, bytes: Buffer, outcome: ConfigFile | Diagnostic): void {
    this.read++;
    const isText = 'text' in outcome;
    const trusted = (st.mtimeNs > st.ctimeNs ? st.mtimeNs : st.ctimeNs) < this.trustedBefore;
    const entry: CachedFileEntry = [rel, statKey(st), isText ? sha256Hex(outcome.text) : sha256Hex(bytes), trusted, isText ? null : outcome];
    const old = this.before.get(rel);
    if (!old || !sameEntry(old, entry)) this.changed = true;
    this.now.set(rel, entry);
  }

  digestOf(rel: string): string {
    return this.now.get(rel)![2];
  }

  /** The entries of this walk (files gone since are dropped). */
  entries(): CachedFileEntry[] {
    if (this.now.size !== this.before.size) this.changed = true;
    return [...this.now.values()];
  }
}

function sameEntry(a: CachedFileEntry, b: CachedFileEntry): boolean {
  return a[1] === b[1] && a[2] === b[2] && a[3] === b[3] && JSON.stringify(a[4]) === JSON.stringify(b[4]);
}

/** Whether `dir` exists and belongs to this process's effective user. */
function ownedByThisUser(dir: string): boolean {
  const st = statSync(dir, { throwIfNoEntry: false });
  return st !== undefined && st.isDirectory() && st.uid === process.geteuid?.();
}
