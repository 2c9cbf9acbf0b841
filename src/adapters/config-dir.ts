// Reads a configuration directory: every *.yaml / *.yml file below it, recursively, skipping dot-files and
// dot-directories (.git), following symlinks but never looping. Problems with files are returned as
// diagnostics (paths relative to the directory, `/`-separated), never thrown.
import { readdir, readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import type { ConfigFile } from '../core/config/config-file.js';
import type { DiagnosticCode } from '../core/config/codes.js';
import { compareText } from '../core/config/findings.js';
import { yamlEncodingOf } from '../core/config/text-encoding.js';
import type { Diagnostic } from '../core/model.js';

export const MAX_CONFIG_FILE_BYTES = 4 * 1024 * 1024;
const YAML_FILE = /\.ya?ml$/;
/** Files read at once: enough to overlap I/O, few enough not to exhaust file descriptors. */
const READ_CONCURRENCY = 32;

export interface ConfigDirContents {
  files: ConfigFile[];
  diagnostics: Diagnostic[];
}

export async function readConfigDir(dir: string): Promise<ConfigDirContents> {
  const root = path.resolve(dir);
  const diagnostics: Diagnostic[] = [];
  let rootStat: Stats;
  try {
    rootStat = await stat(root);
  } catch (err) {
    return { files: [], diagnostics: [fileDiagnostic('E_FILE_UNREADABLE', '.', `cannot read the configuration directory ${root}: ${errorText(err)}`)] };
  }
  // A single file is accepted too, for `pgbackops validate one-file.yaml`.
  const found = rootStat.isDirectory() ? await walk(root, diagnostics) : [{ full: root, rel: path.basename(root), size: rootStat.size }];
  const files: ConfigFile[] = [];
  for (let i = 0; i < found.length; i += READ_CONCURRENCY) {
    const batch = await Promise.all(found.slice(i, i + READ_CONCURRENCY).map(readConfigFile));
    for (const result of batch) {
      if ('text' in result) files.push(result);
      else diagnostics.push(result);
    }
  }
  files.sort((a, b) => compareText(a.path, b.path));
  return { files, diagnostics };
}

interface FoundFile {
  full: string;
  rel: string;
  /** Size when the directory was walked, to refuse a huge file without reading it. */
  size: number;
}

async function walk(root: string, diagnostics: Diagnostic[]): Promise<FoundFile[]> {
  const found: FoundFile[] = [];
  const visited = new Set<string>();
  const rootStat = await stat(root);
  visited.add(identity(rootStat));

  // `ancestors` are the directories on the current path: reaching one again through a symlink is a loop.
  // A directory or file reached twice without a loop (a symlink beside its target) is read once.
  async function visit(dirFull: string, ancestors: ReadonlySet<string>): Promise<void> {
    let entries;
    try {
      entries = await readdir(dirFull, { withFileTypes: true });
    } catch (err) {
      diagnostics.push(fileDiagnostic('E_FILE_UNREADABLE', relative(root, dirFull) || '.', `cannot list this directory: ${errorText(err)}`));
      return;
    }
    entries.sort((a, b) => compareText(a.name, b.name));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dirFull, entry.name);
      const rel = relative(root, full);
      let st: Stats;
      if (entry.isSymbolicLink()) {
        try {
          st = await stat(full);
        } catch (err) {
          if (YAML_FILE.test(entry.name)) diagnostics.push(fileDiagnostic('E_FILE_UNREADABLE', rel, `broken symlink: ${errorText(err)}`));
          continue;
        }
      } else if (entry.isDirectory() || entry.isFile()) {
        st = await stat(full);
      } else {
        continue; // sockets, FIFOs, devices: never configuration
      }
      if (st.isDirectory()) {
        const id = identity(st);
        if (ancestors.has(id)) {
          diagnostics.push(fileDiagnostic('E_SYMLINK_LOOP', rel, 'this symlink points back to a directory that contains it; remove it or point it elsewhere'));
          continue;
        }
        if (visited.has(id)) {
          diagnostics.push(fileDiagnostic('W_SYMLINK_DUPLICATE', rel, 'this directory was already read through another path; skipped so its files are not loaded twice', 'warning'));
          continue;
        }
        visited.add(id);
        await visit(full, new Set([...ancestors, id]));
      } else if (st.isFile() && YAML_FILE.test(entry.name)) {
        const id = identity(st);
        if (visited.has(id)) {
          diagnostics.push(fileDiagnostic('W_SYMLINK_DUPLICATE', rel, 'this file was already read through another path (a symlink); skipped so it is not loaded twice', 'warning'));
          continue;
        }
        visited.add(id);
        found.push({ full, rel, size: st.size });
      }
    }
  }

  await visit(root, new Set([identity(rootStat)]));
  return found;
}

async function readConfigFile({ full, rel, size }: FoundFile): Promise<ConfigFile | Diagnostic> {
  if (size > MAX_CONFIG_FILE_BYTES) return tooLarge(rel, size);
  let bytes: Buffer;
  try {
    bytes = await readFile(full);
  } catch (err) {
    return fileDiagnostic('E_FILE_UNREADABLE', rel, `cannot read this file: ${errorText(err)}`);
  }
  if (bytes.length > MAX_CONFIG_FILE_BYTES) return tooLarge(rel, bytes.length); // grew while being read
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
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const offset = invalidUtf8Offset(bytes);
    return fileDiagnostic('E_FILE_ENCODING', rel, 'this file is not valid UTF-8 (first bad byte here); save it as UTF-8', 'error', positionOf(bytes, offset));
  }
  // TextDecoder drops a leading BOM already; the text is what the YAML parser and the revision hash see.
  return { path: rel, text };
}

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

function identity(st: Stats): string {
  return `${st.dev}:${st.ino}`;
}

function relative(root: string, full: string): string {
  return path.relative(root, full).split(path.sep).join('/');
}

function errorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ? `${e.code} (${e.message.replace(/^[A-Z]+: /, '')})` : String(err);
}
