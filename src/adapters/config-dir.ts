// Reads a configuration directory: every *.yaml / *.yml file below it, recursively, skipping dot-files and
// dot-directories (.git), following symlinks but never looping. Problems with files are returned as
// diagnostics (paths relative to the directory, `/`-separated), never thrown.
//
// One synchronous pass in walk order, in slices that yield to the event loop between them (a daemon keeps
// answering): a fleet is tens of thousands of small files, and each asynchronous stat, open, read and close
// is a round trip through libuv's thread pool and a promise. Reading 40,000 files that way cost about four
// times the CPU of reading them here (bench/scale.js); a regular file is opened once and its fstat gives
// both its size and its identity, so it is never stat'ed separately.
import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readSync, statSync, type BigIntStats, type Dirent, type Stats } from 'node:fs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import path from 'node:path';
import type { ConfigFile } from '../core/config/config-file.js';
import type { DiagnosticCode } from '../core/config/codes.js';
import { compareText } from '../core/config/findings.js';
import { yamlEncodingOf } from '../core/config/text-encoding.js';
import type { Diagnostic } from '../core/model.js';

export const MAX_CONFIG_FILE_BYTES = 4 * 1024 * 1024;
const YAML_FILE = /\.ya?ml$/;
/** Files read between two turns of the event loop. */
const FILES_PER_SLICE = 1000;

export interface ConfigDirContents {
  files: ConfigFile[];
  /** The tree's problems (loops, duplicates, unlistable directories), then the files' (`fileDiagnostics`). */
  diagnostics: Diagnostic[];
  /** The files' problems alone (binary, not UTF-8, too large, unreadable), in walk order: at most one per path. */
  fileDiagnostics: Diagnostic[];
}

/**
 * What a caller remembers of the files it read before (the CLI's load cache, engine/config-load-cache.ts): a
 * file it recalls by its path and stat is not opened, and every file read is told to it. Only the reading
 * of file contents changes; the walk (dot-files, symlinks, loops, duplicates) is the same.
 */
export interface FileMemory {
  /** The outcome of reading `rel` when it had this stat (followed through symlinks), or undefined to read it. */
  recall(rel: string, st: BigIntStats): RecalledFile | undefined;
  /** A file was read: its fstat, its bytes as read and what they are (text, or why not). */
  noteRead(rel: string, st: BigIntStats, bytes: Buffer, outcome: ConfigFile | Diagnostic): void;
}

/** A file taken from a `FileMemory`: configuration text (not kept: its digest is), or its problem. */
export type RecalledFile = { text: true } | { problem: Diagnostic };

export interface RecallingDirContents extends ConfigDirContents {
  /** Paths of the text files recalled instead of read (not in `files`), in walk order. */
  recalled: string[];
}

export async function readConfigDir(dir: string): Promise<ConfigDirContents> {
  return readConfigDirRecalling(dir, null);
}

/** `readConfigDir` with a memory of files read before: the files it recalls are listed in `recalled`, without text. */
export async function readConfigDirRecalling(dir: string, memory: FileMemory | null): Promise<RecallingDirContents> {
  const root = path.resolve(dir);
  let rootStat: Stats;
  try {
    rootStat = statSync(root);
  } catch (err) {
    return { files: [], diagnostics: [fileDiagnostic('E_FILE_UNREADABLE', '.', `cannot read the configuration directory ${root}: ${errorText(err)}`)], fileDiagnostics: [], recalled: [] };
  }
  const reader = new DirectoryReader(root, memory);
  // A single file is accepted too, for `pgbackops validate one-file.yaml`.
  if (rootStat.isDirectory()) await reader.readTree(rootStat);
  else reader.readFile(root, path.basename(root));
  const files = reader.files.sort((a, b) => compareText(a.path, b.path));
  // As the tree's problems (loops, duplicates, unlistable directories) were found first, then the files'.
  return { files, diagnostics: [...reader.treeDiagnostics, ...reader.fileDiagnostics], fileDiagnostics: reader.fileDiagnostics, recalled: reader.recalled };
}

/** What `readConfigFiles` found at one path. */
export type ConfigFileRead =
  | { path: string; state: 'file'; file: ConfigFile }
  | { path: string; state: 'problem'; diagnostic: Diagnostic }
  | { path: string; state: 'absent' }
  /** Not a file `readConfigDir` would read on its own (a symlink, a directory, a file with other links, ...): read the whole tree. */
  | { path: string; state: 'tree' };

/**
 * Reads a few files of a configuration directory again (`rel`: `/`-separated paths below `dir`), exactly as
 * `readConfigDir` would read each of them, for a caller that keeps the rest (the daemon after a watched
 * change, engine/incremental-desired.ts). Whatever could read differently in a whole walk is `tree`: a path
 * through a symlink or a dot-directory, a file with several hard links (a whole walk reads it once).
 */
export function readConfigFiles(dir: string, rel: readonly string[]): ConfigFileRead[] {
  const root = path.resolve(dir);
  return rel.map((p): ConfigFileRead => {
    const segments = p.split('/');
    if (p === '' || segments.some((s) => s === '' || s === '..' || s.startsWith('.')) || !YAML_FILE.test(p)) return { path: p, state: 'tree' };
    // Every directory on the way must be a plain directory: a symlinked one is read through its target.
    let at = root;
    for (const segment of segments.slice(0, -1)) {
      at = path.join(at, segment);
      let st: Stats;
      try {
        st = lstatSync(at);
      } catch {
        return { path: p, state: 'absent' };
      }
      if (!st.isDirectory()) return { path: p, state: st.isSymbolicLink() ? 'tree' : 'absent' };
    }
    const full = path.join(root, ...segments);
    let st: Stats;
    try {
      st = lstatSync(full);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return { path: p, state: 'absent' };
      return { path: p, state: 'tree' };
    }
    if (st.isDirectory() || st.isSymbolicLink() || st.nlink > 1) return { path: p, state: 'tree' };
    if (!st.isFile()) return { path: p, state: 'absent' };
    const reader = new DirectoryReader(root);
    reader.readFile(full, p);
    if (reader.treeDiagnostics.length > 0) return { path: p, state: 'tree' };
    const file = reader.files[0];
    if (file) return { path: p, state: 'file', file };
    const diagnostic = reader.fileDiagnostics[0];
    // Unreadable may mean removed since lstat: a whole walk would not list it at all, so let one decide.
    if (diagnostic?.code === 'E_FILE_UNREADABLE') return { path: p, state: 'tree' };
    return diagnostic ? { path: p, state: 'problem', diagnostic } : { path: p, state: 'absent' };
  });
}

class DirectoryReader {
  readonly files: ConfigFile[] = [];
  readonly treeDiagnostics: Diagnostic[] = [];
  readonly fileDiagnostics: Diagnostic[] = [];
  readonly recalled: string[] = [];
  /** Directories and files already read: one reached again without a loop (a symlink beside its target) is read once. */
  private readonly visited = new Set<string>();
  private sinceYield = 0;

  constructor(private readonly root: string, private readonly memory: FileMemory | null = null) {}

  async readTree(rootStat: Stats): Promise<void> {
    this.visited.add(identity(rootStat));
    await this.visit(this.root, new Set([identity(rootStat)]));
  }

  /** `ancestors` are the directories on the current path: reaching one again through a symlink is a loop. */
  private async visit(dirFull: string, ancestors: ReadonlySet<string>): Promise<void> {
    let entries: Dirent[];
    try {
      entries = readdirSync(dirFull, { withFileTypes: true });
    } catch (err) {
      this.treeDiagnostics.push(fileDiagnostic('E_FILE_UNREADABLE', relative(this.root, dirFull) || '.', `cannot list this directory: ${errorText(err)}`));
      return;
    }
    entries.sort((a, b) => compareText(a.name, b.name));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dirFull, entry.name);
      let isDirectory: boolean;
      let st: Stats | undefined;
      if (entry.isSymbolicLink()) {
        try {
          st = statSync(full);
        } catch (err) {
          if (YAML_FILE.test(entry.name)) this.treeDiagnostics.push(fileDiagnostic('E_FILE_UNREADABLE', relative(this.root, full), `broken symlink: ${errorText(err)}`));
          continue;
        }
        if (!st.isDirectory() && !st.isFile()) continue;
        isDirectory = st.isDirectory();
      } else if (entry.isDirectory() || entry.isFile()) {
        isDirectory = entry.isDirectory();
      } else {
        continue; // sockets, FIFOs, devices: never configuration
      }
      if (isDirectory) {
        const rel = relative(this.root, full);
        let id: string;
        try {
          id = identity(st ?? statSync(full));
        } catch (err) {
          this.treeDiagnostics.push(fileDiagnostic('E_FILE_UNREADABLE', rel, `cannot list this directory: ${errorText(err)}`));
          continue;
        }
        if (ancestors.has(id)) {
          this.treeDiagnostics.push(fileDiagnostic('E_SYMLINK_LOOP', rel, 'this symlink points back to a directory that contains it; remove it or point it elsewhere'));
          continue;
        }
        if (this.visited.has(id)) {
          this.treeDiagnostics.push(fileDiagnostic('W_SYMLINK_DUPLICATE', rel, 'this directory was already read through another path; skipped so its files are not loaded twice', 'warning'));
          continue;
        }
        this.visited.add(id);
        await this.visit(full, new Set([...ancestors, id]));
      } else if (YAML_FILE.test(entry.name)) {
        this.readFile(full, relative(this.root, full));
        if (++this.sinceYield >= FILES_PER_SLICE) {
          this.sinceYield = 0;
          await yieldToEventLoop();
        }
      }
    }
  }

  /** Reads one file (or takes it from the memory), or says why it is not configuration. */
  readFile(full: string, rel: string): void {
    if (this.memory && this.recall(full, rel)) return;
    let fd: number;
    try {
      fd = openSync(full, 'r');
    } catch (err) {
      this.fileDiagnostics.push(fileDiagnostic('E_FILE_UNREADABLE', rel, `cannot read this file: ${errorText(err)}`));
      return;
    }
    try {
      const st = this.memory ? fstatSync(fd, { bigint: true }) : fstatSync(fd);
      if (!this.firstVisit(st, rel)) return;
      // Refused by its size before reading it.
      if (st.size > MAX_CONFIG_FILE_BYTES) {
        this.fileDiagnostics.push(tooLarge(rel, Number(st.size)));
        return;
      }
      let bytes: Buffer;
      try {
        bytes = readAll(fd, Number(st.size));
      } catch (err) {
        this.fileDiagnostics.push(fileDiagnostic('E_FILE_UNREADABLE', rel, `cannot read this file: ${errorText(err)}`));
        return;
      }
      if (bytes.length > MAX_CONFIG_FILE_BYTES) {
        this.fileDiagnostics.push(tooLarge(rel, bytes.length)); // grew while being read
        return;
      }
      const decoded = decodeConfigText(rel, bytes);
      if ('text' in decoded) this.files.push(decoded);
      else this.fileDiagnostics.push(decoded);
      this.memory?.noteRead(rel, st as BigIntStats, bytes, decoded);
    } finally {
      closeSync(fd);
    }
  }

  /** True when the memory had the file (stat'ed, not opened): it is then listed as `readFile` would. */
  private recall(full: string, rel: string): boolean {
    let st: BigIntStats;
    try {
      st = statSync(full, { bigint: true });
    } catch {
      return false; // opening it says why
    }
    if (!st.isFile() || st.size > BigInt(MAX_CONFIG_FILE_BYTES)) return false;
    const kept = this.memory!.recall(rel, st);
    if (!kept) return false;
    if (!this.firstVisit(st, rel)) return true;
    if ('problem' in kept) this.fileDiagnostics.push(kept.problem);
    else this.recalled.push(rel);
    return true;
  }

  /** False (and the warning) when the file was already read through another path. */
  private firstVisit(st: Stats | BigIntStats, rel: string): boolean {
    const id = identity(st);
    if (this.visited.has(id)) {
      this.treeDiagnostics.push(fileDiagnostic('W_SYMLINK_DUPLICATE', rel, 'this file was already read through another path (a symlink); skipped so it is not loaded twice', 'warning'));
      return false;
    }
    this.visited.add(id);
    return true;
  }
}

/** The whole file from an open descriptor: `size` bytes as fstat said, and whatever it grew by since (up to one byte past the limit). */
function readAll(fd: number, size: number): Buffer {
  let buffer = Buffer.allocUnsafe(Math.max(size, 1));
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      if (length > MAX_CONFIG_FILE_BYTES) break;
      const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, MAX_CONFIG_FILE_BYTES + 1));
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    const n = readSync(fd, buffer, length, buffer.length - length, null);
    if (n === 0) break;
    length += n;
  }
  return buffer.subarray(0, length);
}

/** UTF-8 text without its byte order mark, or why the bytes are not configuration text. */
function decodeConfigText(rel: string, bytes: Buffer): ConfigFile | Diagnostic {
  // Before looking for NUL bytes: every ASCII character of a UTF-16 or UTF-32 file has some.
  const encoding = yamlEncodingOf(bytes);
  if (encoding !== 'UTF-8') {
    return fileDiagnostic('E_FILE_ENCODING', rel, `this file is ${encoding} text (by its first bytes, as YAML tells encodings apart); configuration files are read as UTF-8: save it as UTF-8`);
  }
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    return fileDiagnostic('E_FILE_BINARY', rel, 'this file contains a NUL byte: it is binary, not YAML text; remove it or rename it away from .yaml/.yml', 'error', positionOf(bytes, nul));
  }
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    const offset = invalidUtf8Offset(bytes);
    return fileDiagnostic('E_FILE_ENCODING', rel, 'this file is not valid UTF-8 (first bad byte here); save it as UTF-8', 'error', positionOf(bytes, offset));
  }
  // TextDecoder drops a leading BOM already; the text is what the YAML parser and the revision hash see.
  return { path: rel, text };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function tooLarge(rel: string, size: number): Diagnostic {
  return fileDiagnostic(
    'E_FILE_TOO_LARGE',
    rel,
    `this file is ${(size / 1024 / 1024).toFixed(1)} MiB; configuration files are limited to ${MAX_CONFIG_FILE_BYTES / 1024 / 1024} MiB (split it into several files)`,
  );
}

function fileDiagnostic(
  code: DiagnosticCode,
  file: string,
  message: string,
  severity: 'error' | 'warning' = 'error',
  at: { line: number; column: number } = { line: 1, column: 1 },
): Diagnostic {
  return { code, message, file, line: at.line, column: at.column, path: '', severity };
}

/** 1-based line and column (in characters of the valid text before it) of a byte offset. */
function positionOf(bytes: Buffer, offset: number): { line: number; column: number } {
  const before = bytes.subarray(0, offset);
  let line = 1;
  let lineStart = 0;
  for (let i = before.indexOf(10); i !== -1; i = before.indexOf(10, i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: before.subarray(lineStart).toString('utf8').length + 1 };
}

/** Offset of the first byte that breaks UTF-8 (overlong forms and surrogates included), or 0 if none. */
function invalidUtf8Offset(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const length = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    const second = bytes[i + 1]!;
    if ((b === 0xe0 && second < 0xa0) || (b === 0xed && second > 0x9f) || (b === 0xf0 && second < 0x90) || (b === 0xf4 && second > 0x8f)) return i;
    for (let k = 1; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += length;
  }
  return 0;
}

/** The same text for a number and a bigint stat (directories are stat'ed as numbers, recalled files as bigints). */
function identity(st: Stats | BigIntStats): string {
  return `${st.dev}:${st.ino}`;
}

function relative(root: string, full: string): string {
  // Every path of the walk is path.join(root, ...names), names without '.' or '..': below the root, the
  // relative path is the rest of the text (path.relative costs as much as the stat of the file).
  if (path.sep === '/' && root !== '/' && full.startsWith(root) && full[root.length] === '/') return full.slice(root.length + 1);
  return path.relative(root, full).split(path.sep).join('/');
}

function errorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ? `${e.code} (${e.message.replace(/^[A-Z]+: /, '')})` : String(err);
}
