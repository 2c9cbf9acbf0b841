// A problem found inside one YAML document, before it has a file position: the rules speak in terms of a
// path inside the document, and the loader turns that path into file:line:column (see locate.ts).
import type { Diagnostic } from '../model.js';
import type { DiagnosticCode } from './codes.js';

export type PathSegment = string | number;
export type DocPath = readonly PathSegment[];

/**
 * What to point the user at: the value at the path, the key that names it (unknown or forbidden fields),
 * or the mapping that should have contained it (missing fields; the path then names the missing field).
 */
export type Target = 'value' | 'key' | 'parent';

export interface Finding {
  code: DiagnosticCode;
  message: string;
  path: DocPath;
  target?: Target;
  severity?: 'error' | 'warning';
}

export function finding(code: DiagnosticCode, path: DocPath, message: string, target: Target = 'value'): Finding {
  return { code, path, message, target, severity: code.startsWith('W_') ? 'warning' : 'error' };
}

/** RFC 6901 JSON pointer of a path: /spec/databases/0. */
export function jsonPointer(path: DocPath): string {
  return path.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** Inverse of jsonPointer, for paths reported by ajv. */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** How a path reads in a message: spec.databases[0]. */
export function displayPath(path: DocPath): string {
  let out = '';
  for (const s of path) {
    if (typeof s === 'number' || /^\d+$/.test(s)) out += `[${s}]`;
    else out += out === '' ? s : `.${s}`;
  }
  return out === '' ? 'the document' : out;
}

/** Quote a value found in the configuration for a message, shortened so a message stays one line. */
export function quote(value: unknown): string {
  if (typeof value !== 'string') {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 60 ? text.slice(0, 57) + '...' : text;
  }
  return JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value);
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return compareText(a.file, b.file) || a.line - b.line || a.column - b.column || compareText(a.code, b.code) || compareText(a.message, b.message);
}

/** Plain code-unit order, not localeCompare: the same on every machine and in every locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The closest candidate to a misspelt word, if it is close enough to be a plausible typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
