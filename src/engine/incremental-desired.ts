// The configuration of a long-running process (the daemon), loaded again after each change at the cost of
// what changed: every file's own checks (parsing, schema, per-document rules) are kept with its text and
// reused while the file holds the same text; the rules across files run again over the kept results
// (core/config/validate.ts, `combineFileChecks`), or, when the watcher's changed files tell the others what
// they told before, over those files' documents alone (`recombineFileChecks`); a document is normalised again
// only when it or the server it takes its defaults from changed. The text itself is the key: a file whose bytes are unchanged is
// neither parsed, checked nor normalised again, and comparing the texts is exact where a digest only makes a
// collision unlikely (the text is kept anyway: the revision hashes it).
//
// Two ways in, with one answer (test/unit/config/incremental-desired.test.ts holds them to `loadDesired`):
// `load(dir)` reads the whole directory (a full, level-triggered pass: a new git checkout, the interval's
// re-read), `load(dir, changed)` reads only the files a watcher reported, and falls back to the whole
// directory when a change is one a single file read could get wrong (a directory, a symlink, a file read
// twice, a problem whose place among the others would move).
import { readConfigDir, readConfigFiles, type ConfigFileRead } from '../adapters/config-dir.js';
import type { ConfigFile } from '../core/config/config-file.js';
import { compareText } from '../core/config/findings.js';
import { checkConfigFiles, combineFileChecksKeeping, configRevision, recombineFileChecks, type CombinedChecks, type FileCheck, type NormaliseMemo } from '../core/config/validate.js';
import type { Diagnostic } from '../core/model.js';
import { resolve } from 'node:path';
import { finishLoad, type LoadOptions, type LoadResult } from './load-desired.js';

interface KeptFile {
  file: ConfigFile;
  check: FileCheck;
}

/** How the last load read its files: whole, or from the watcher's list. */
export type LoadKind = 'whole' | 'changed';

export class IncrementalDesired {
  private dir: string | null = null;
  /** Files with text, by path; `paths` is their keys in path order. */
  private files = new Map<string, KeptFile>();
  private paths: string[] = [];
  /** The tree's problems (loops, duplicates): while there is any, every load reads the whole directory. */
  private treeDiagnostics: Diagnostic[] = [];
  /** Files that are not configuration text (binary, too large, ...), in the order a whole read says them. */
  private fileProblems = new Map<string, Diagnostic>();
  private readonly memo: NormaliseMemo = new WeakMap();
  /** The last valid combination, which the next may start from. */
  private combined: CombinedChecks | null = null;
  /**
   * The files the last read changed, each check before and after, when every one was there before and still
   * is (null: files came or went, or the whole directory was read): then only these go through the rules
   * across files again (core/config/validate.ts `recombineFileChecks`).
   */
  private changes: { before: FileCheck; after: FileCheck }[] | null = null;
  /**
   * What the last load did, for the log and the tests: how it read (`kind`), how many files it checked, and
   * whether the rules across files ran over every file or over the changed ones.
   */
  lastLoad: { kind: LoadKind; checked: number; combined: LoadKind } = { kind: 'whole', checked: 0, combined: 'whole' };

  constructor(private readonly options: LoadOptions = {}) {}

  /**
   * The configuration in `dir`. `changed`: the paths (absolute, or relative to `dir`) that changed since the
   * last load of the same directory; absent or null reads the whole directory.
   */
  async load(directory: string, changed?: readonly string[] | null): Promise<LoadResult> {
    const dir = resolve(directory);
    const incremental = changed != null && this.dir === dir && this.treeDiagnostics.length === 0 && this.readChanged(dir, changed);
    if (!incremental) await this.readWhole(dir);
    this.dir = dir;
    return this.validate();
  }

  private async readWhole(dir: string): Promise<void> {
    const read = await readConfigDir(dir);
    const files = new Map<string, KeptFile>();
    const fresh: ConfigFile[] = [];
    for (const file of read.files) {
      const kept = this.files.get(file.path);
      if (kept && kept.file.text === file.text) files.set(file.path, kept);
      else fresh.push(file);
    }
    const checks = checkConfigFiles(fresh);
    fresh.forEach((file, i) => files.set(file.path, keptFile(file, checks[i]!)));
    this.files = files;
    this.paths = read.files.map((f) => f.path); // readConfigDir sorts them by path
    this.treeDiagnostics = read.diagnostics.slice(0, read.diagnostics.length - read.fileDiagnostics.length);
    this.fileProblems = new Map(read.fileDiagnostics.map((d) => [d.file, d]));
    this.changes = null;
    this.lastLoad = { kind: 'whole', checked: fresh.length, combined: 'whole' };
  }

  /** Reads the changed files into what is kept; false (nothing changed here) when the whole directory must be read. */
  private readChanged(dir: string, changed: readonly string[]): boolean {
    const rel = [...new Set(changed.map((p) => relativeTo(dir, p)))];
    if (rel.some((p) => p === null)) return false;
    const reads = readConfigFiles(dir, rel as string[]);
    if (reads.some((r) => r.state === 'tree')) return false;
    if (!this.problemsKeepTheirOrder(reads)) return false;
    const fresh = reads.filter((r): r is Extract<ConfigFileRead, { state: 'file' }> => r.state === 'file' && this.files.get(r.path)?.file.text !== r.file.text);
    const checks = checkConfigFiles(fresh.map((r) => r.file));
    let changes: { before: FileCheck; after: FileCheck }[] | null = [];
    fresh.forEach((r, i) => {
      const before = this.files.get(r.path)?.check;
      if (before && changes) changes.push({ before, after: checks[i]! });
      else changes = null;
      this.keep(r.file, checks[i]!);
    });
    for (const r of reads) {
      if (r.state !== 'file' && this.files.has(r.path)) changes = null;
      if (r.state !== 'file') this.forget(r.path);
      if (r.state === 'problem') this.fileProblems.set(r.path, r.diagnostic);
      else this.fileProblems.delete(r.path);
    }
    this.changes = changes;
    this.lastLoad = { kind: 'changed', checked: fresh.length, combined: 'whole' };
    return true;
  }

  /**
   * A whole read lists file problems in the order of its walk; one problem replaced in place, removed, or
   * added as the only one stays in that order. Anything else is left to a whole read.
   */
  private problemsKeepTheirOrder(reads: readonly ConfigFileRead[]): boolean {
    const added = reads.filter((r) => r.state === 'problem' && !this.fileProblems.has(r.path));
    if (added.length === 0) return true;
    const remaining = [...this.fileProblems.keys()].filter((p) => !reads.some((r) => r.path === p && r.state !== 'problem'));
    return added.length === 1 && remaining.length === 0;
  }

  private keep(file: ConfigFile, check: FileCheck): void {
    if (!this.files.has(file.path)) this.paths.splice(insertionIndex(this.paths, file.path), 0, file.path);
    this.files.set(file.path, keptFile(file, check));
  }

  private forget(path: string): void {
    if (!this.files.delete(path)) return;
    this.paths.splice(insertionIndex(this.paths, path), 1);
  }

  private validate(): LoadResult {
    const kept = this.paths.map((p) => this.files.get(p)!);
    const files = kept.map((k) => k.file);
    const revision = configRevision(files);
    const options = { now: Date.now(), ...this.options };
    const recombined = this.combined && this.changes ? recombineFileChecks(this.combined, this.changes, revision, options, this.memo) : null;
    const { result: validated, kept: combined } = recombined ?? combineFileChecksKeeping(kept.map((k) => k.check), revision, options, this.memo);
    this.combined = combined;
    this.changes = null;
    this.lastLoad.combined = recombined ? 'changed' : 'whole';
    return finishLoad([...this.treeDiagnostics, ...this.fileProblems.values()], validated, files.length, this.options);
  }
}

/**
 * A file's check as it is kept between loads: without the line index its check built to place names (half
 * of what a load keeps of a fleet's files; a finding placed later builds it again).
 */
function keptFile(file: ConfigFile, check: FileCheck): KeptFile {
  for (const d of check.documents) d.doc.source.forgetLineIndex();
  return { file, check };
}

function insertionIndex(sorted: readonly string[], path: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareText(sorted[mid]!, path) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `p` as a `/`-separated path below `dir`, or null when it is not below it. */
function relativeTo(dir: string, p: string): string | null {
  if (!p.startsWith('/')) return p.split('\\').join('/');
  const root = dir.endsWith('/') ? dir : `${dir}/`;
  return p.startsWith(root) ? p.slice(root.length) : null;
}
