// A fast reader for the plain subset of YAML that configuration files are nearly always written in: block
// mappings, block sequences of scalars, one-line flow sequences/mappings of scalars, plain and simply
// quoted scalars (with the common escapes \" \\ \/ \n \t), comments and `---`. It exists because the `yaml`
// package parses about 1 MB/s, which made a 10,000-definition fleet take seconds to load (and a file with
// one escaped quote in a remark would send its whole file there). On anything outside the subset (anchors,
// tags, block scalars, multi-line values, other escapes, unusual numbers, duplicate keys, any syntax error...) it returns
// null and the caller parses the file with `yaml`, which also produces the error messages. For what it
// accepts it must produce exactly the data `yaml` would (YAML 1.2 core schema): a differential test
// compares the two.
//
// White space is YAML's, never JavaScript's: only the space separates and indents here (a tab sends the file
// to `yaml`), and only \n ends a line. trim(), \s and friends also take NBSP, U+2000-U+200A, U+3000, U+FEFF,
// form feeds and line separators, which YAML 1.2 reads as content: `spec:` followed by an NBSP-indented
// `host: x` is a null spec and a key " host", not spec.host.
import { MAX_NESTING_DEPTH } from './nesting.js';

export interface FastDocument {
  value: Record<string, unknown>;
  /** Offset of the document's first key (where `yaml` starts the document's contents). */
  start: number;
  /** Offset of the metadata.name value (its opening quote, if quoted), when it is a string. */
  nameOffset?: number;
}

class Unsupported extends Error {}

/**
 * Where a value sits, as much as the reader needs of its path: the depth (for the nesting limit) and whether
 * it is the top-level `metadata` or `metadata.name`. Shared objects rather than a path array per key.
 */
interface Where {
  depth: number;
  isMetadata: boolean;
  isName: boolean;
}
const ROOT: Where = { depth: 0, isMetadata: false, isName: false };
const METADATA: Where = { depth: 1, isMetadata: true, isName: false };
const NAME: Where = { depth: 2, isMetadata: false, isName: true };
/** A sequence item: read as a scalar or flow collection, never as a name. */
const ITEM: Where = { depth: 0, isMetadata: false, isName: false };
const byDepth: Where[] = [];

function childOf(at: Where, key: string): Where {
  if (at.depth === 0 && key === 'metadata') return METADATA;
  if (at.isMetadata && key === 'name') return NAME;
  const depth = at.depth + 1;
  return (byDepth[depth] ??= { depth, isMetadata: false, isName: false });
}

interface Line {
  indent: number;
  /** Text after the indentation. */
  body: string;
  offset: number;
}

const KEY = /^([A-Za-z_][A-Za-z0-9_-]*):(?: +|$)/;
/** `---` ends a document only when white space or the line end follows it (`---#c` is a plain scalar). */
const SEPARATOR = /^---(?: +(?:#.*)?)?$/;

/**
 * Text the subset is written in: YAML's printable characters (c-printable), less what only `yaml` reads:
 * tab and CR (white space and line breaks other than space and \n), the BOM (a document prefix anywhere in
 * a stream), and NEL, LS and PS (line breaks in YAML 1.1, content in 1.2). Anything else - control
 * characters, DEL, lone surrogates, U+FFFE/U+FFFF - is left to `yaml` as well. A backslash is an ordinary
 * character except in a double-quoted scalar, where `quoted` reads the common escapes and declines the rest.
 */
const OUTSIDE_SUBSET = /[^\n\x20-\x7E\xA0-\u2027\u202A-\uD7FF\uE000-\uFEFE\uFF00-\uFFFD\u{10000}-\u{10FFFF}]/u;

function isSeparator(line: Line): boolean {
  return line.indent === 0 && line.body.startsWith('---') && SEPARATOR.test(line.body);
}

export function parseSimpleYaml(text: string): FastDocument[] | null {
  if (OUTSIDE_SUBSET.test(text)) return null;
  try {
    return new Reader(text).documents();
  } catch (err) {
    if (err instanceof Unsupported) return null;
    throw err;
  }
}

class Reader {
  private lines: Line[] = [];
  private pos = 0;
  private nameOffset: number | undefined;

  constructor(text: string) {
    let offset = 0;
    for (const raw of text.split('\n')) {
      const indent = leadingSpaces(raw);
      this.lines.push({ indent, body: raw.slice(indent), offset });
      offset += raw.length + 1;
    }
  }

  documents(): FastDocument[] {
    const out: FastDocument[] = [];
    while (this.pos < this.lines.length) {
      this.skipInsignificant();
      if (this.pos >= this.lines.length) break;
      const line = this.lines[this.pos]!;
      if (isSeparator(line)) {
        this.pos++;
        continue;
      }
      if (line.indent !== 0 || line.body.startsWith('%') || line.body.startsWith('...')) throw new Unsupported();
      this.nameOffset = undefined;
      const start = line.offset;
      const value = this.mapping(0, ROOT);
      out.push(this.nameOffset === undefined ? { value, start } : { value, start, nameOffset: this.nameOffset });
      // The document must end at a separator or at the end of the text.
      this.skipInsignificant();
      const next = this.lines[this.pos];
      if (next && !isSeparator(next)) throw new Unsupported();
    }
    return out;
  }

  /** Blank lines and comment lines. */
  private skipInsignificant(): void {
    while (this.pos < this.lines.length) {
      const body = this.lines[this.pos]!.body;
      if (body !== '' && !body.startsWith('#')) return;
      this.pos++;
    }
  }

  private peek(): Line | undefined {
    this.skipInsignificant();
    const line = this.lines[this.pos];
    return line && !isSeparator(line) ? line : undefined;
  }

  private mapping(indent: number, at: Where): Record<string, unknown> {
    // Deep documents go to `yaml` and then to the nesting check (nesting.ts), which says what is wrong.
    if (at.depth >= MAX_NESTING_DEPTH - 1) throw new Unsupported();
    const out: Record<string, unknown> = {};
    for (let line = this.peek(); line && line.indent >= indent; line = this.peek()) {
      if (line.indent > indent) throw new Unsupported(); // continuation lines, odd indentation
      const m = KEY.exec(line.body);
      if (!m) throw new Unsupported();
      const key = m[1]!;
      if (!isPlainKey(key) || Object.prototype.hasOwnProperty.call(out, key)) throw new Unsupported();
      this.pos++;
      const rest = line.body.slice(m[0].length);
      const restOffset = line.offset + line.indent + m[0].length;
      const child = childOf(at, key);
      if (rest === '' || rest.startsWith('#')) {
        out[key] = this.nested(indent, child);
      } else {
        out[key] = this.inline(rest, restOffset, child);
      }
    }
    return out;
  }

  /** The value of `key:` with nothing after it: a deeper mapping, a sequence, or null. */
  private nested(indent: number, at: Where): unknown {
    const next = this.peek();
    if (!next) return null;
    const isItem = next.body === '-' || next.body.startsWith('- ');
    if (isItem && next.indent >= indent) return this.sequence(next.indent);
    if (next.indent > indent) return this.mapping(next.indent, at);
    return null;
  }

  private sequence(indent: number): unknown[] {
    const out: unknown[] = [];
    for (let line = this.peek(); line && line.indent >= indent; line = this.peek()) {
      if (line.indent > indent || !line.body.startsWith('- ')) {
        if (line.indent === indent && !line.body.startsWith('-')) break; // back to the parent mapping's keys
        throw new Unsupported();
      }
      const item = line.body.slice(2 + leadingSpaces(line.body.slice(2)));
      // Only scalars and one-line flow collections: nested blocks and `- key: value` go to `yaml`.
      if (item === '' || item.startsWith('#') || KEY.test(item)) throw new Unsupported();
      this.pos++;
      out.push(this.inline(item, 0, ITEM));
    }
    return out;
  }

  /** A value written on the same line as its key or dash. */
  private inline(text: string, offset: number, at: Where): unknown {
    const value = this.inlineValue(text, offset, at);
    if (typeof value === 'string' && at.isName) this.nameOffset = offset;
    return value;
  }

  private inlineValue(text: string, offset: number, at: Where): unknown {
    const first = text[0]!;
    if (first === '[' || first === '{') {
      const scanner = new FlowScanner(text, offset, at.isMetadata, (o) => (this.nameOffset = o));
      const value = first === '[' ? scanner.sequence() : scanner.mapping();
      scanner.expectEnd();
      return value;
    }
    if (first === '"' || first === "'") {
      const { value, end } = quoted(text, 0);
      if (!isTrailing(text.slice(end))) throw new Unsupported();
      return value;
    }
    return plain(stripComment(text), 'block');
  }
}

/** A key in a flow mapping, matched where the scanner is (sticky: no copy of the rest of the line). */
const FLOW_KEY = /([A-Za-z_][A-Za-z0-9_-]*): +/y;

/** One-line flow collections whose items are scalars: `[a, "b"]`, `{ name: x, port: 5432 }`. */
class FlowScanner {
  private i = 0;

  constructor(
    private readonly text: string,
    private readonly offset: number,
    /** This is the value of the document's top-level `metadata` key (whose `name` is noted). */
    private readonly isMetadata: boolean,
    private readonly onName: (offset: number) => void,
  ) {}

  sequence(): unknown[] {
    const out: unknown[] = [];
    this.i++; // [
    this.space();
    if (this.text[this.i] === ']') {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.scalar(',]'));
      this.space();
      const c = this.text[this.i++];
      if (c === ']') return out;
      if (c !== ',') throw new Unsupported();
      this.space();
      if (this.text[this.i] === ']') throw new Unsupported(); // trailing comma
    }
  }

  mapping(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.i++; // {
    this.space();
    if (this.text[this.i] === '}') {
      this.i++;
      return out;
    }
    for (;;) {
      FLOW_KEY.lastIndex = this.i;
      const m = FLOW_KEY.exec(this.text);
      if (!m) throw new Unsupported();
      const key = m[1]!;
      if (!isPlainKey(key) || Object.prototype.hasOwnProperty.call(out, key)) throw new Unsupported();
      this.i += m[0].length;
      const valueOffset = this.offset + this.i;
      out[key] = this.scalar(',}');
      if (typeof out[key] === 'string' && this.isMetadata && key === 'name') this.onName(valueOffset);
      this.space();
      const c = this.text[this.i++];
      if (c === '}') return out;
      if (c !== ',') throw new Unsupported();
      this.space();
      if (this.text[this.i] === '}') throw new Unsupported();
    }
  }

  expectEnd(): void {
    if (!isTrailing(this.text.slice(this.i))) throw new Unsupported();
  }

  private space(): void {
    while (this.text[this.i] === ' ') this.i++;
  }

  private scalar(terminators: string): unknown {
    const c = this.text[this.i];
    if (c === '"' || c === "'") {
      const { value, end } = quoted(this.text, this.i);
      this.i = end;
      return value;
    }
    let j = this.i;
    while (j < this.text.length && !terminators.includes(this.text[j]!)) j++;
    const raw = withoutTrailingSpaces(this.text.slice(this.i, j));
    // Flow indicators, a comment or a nested `key: value` inside: leave it to `yaml`.
    if (raw === '' || /[[\]{},#]|: /.test(raw) || raw.endsWith(':')) throw new Unsupported();
    this.i = j;
    return plain(raw, 'flow');
  }
}

/**
 * A quoted scalar on one line. Single quotes escape only by doubling; double quotes take the escapes real
 * configuration uses (\" \\ \/ \n \t); any other escape (\x, \u, \0, a line continuation...) is left to `yaml`.
 */
function quoted(text: string, start: number): { value: string; end: number } {
  const q = text[start]!;
  let value = '';
  let i = start + 1;
  for (;;) {
    const close = text.indexOf(q, i);
    if (close === -1) throw new Unsupported();
    if (q === "'") {
      value += text.slice(i, close);
      if (text[close + 1] === "'") {
        value += "'";
        i = close + 2;
        continue;
      }
      return { value, end: close + 1 };
    }
    const escape = text.indexOf('\\', i);
    if (escape === -1 || escape > close) {
      value += text.slice(i, close);
      return { value, end: close + 1 };
    }
    value += text.slice(i, escape) + unescape(text[escape + 1]);
    i = escape + 2;
  }
}

const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', n: '\n', t: '\t' };

function unescape(c: string | undefined): string {
  const value = c === undefined ? undefined : ESCAPES[c];
  if (value === undefined) throw new Unsupported();
  return value;
}

/** Keys that `yaml` would read as null or a boolean, and __proto__, are left to `yaml`. */
function isPlainKey(key: string): boolean {
  return !/^(?:null|Null|NULL|true|True|TRUE|false|False|FALSE|__proto__)$/.test(key);
}

/** Nothing but spaces and a comment after a value. */
function isTrailing(rest: string): boolean {
  return rest === '' || /^ +(#.*)?$/.test(rest);
}

function stripComment(text: string): string {
  const hash = text.indexOf(' #');
  return withoutTrailingSpaces(hash === -1 ? text : text.slice(0, hash));
}

/** Indentation: spaces only (YAML's, unlike trimStart, which also takes NBSP, U+3000, form feeds...). */
function leadingSpaces(text: string): number {
  let n = 0;
  while (text.charCodeAt(n) === 0x20) n++;
  return n;
}

/** A plain scalar ends before trailing white space; other Unicode spaces are part of it (unlike trimEnd). */
function withoutTrailingSpaces(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x20) end--;
  return text.slice(0, end);
}

const NUMBER_LIKE = [
  /^[-+]?[0-9]+$/,
  /^0o[0-7]+$/,
  /^0x[0-9a-fA-F]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/,
  /^[-+]?\.(?:inf|Inf|INF)$/,
  /^\.(?:nan|NaN|NAN)$/,
];

/** A plain scalar resolved as YAML 1.2's core schema does; rare forms (hex, floats, +1, 007) go to `yaml`. */
function plain(raw: string, context: 'block' | 'flow'): unknown {
  if (raw === '') throw new Unsupported();
  const first = raw[0]!;
  // Indicators that start something else than a plain scalar (alias, anchor, tag, block scalar, ...).
  if ('&*!|>%@`"\'[]{},#'.includes(first) || ((first === '-' || first === '?' || first === ':') && (raw.length === 1 || raw[1] === ' '))) {
    throw new Unsupported();
  }
  if (context === 'block' && (raw.includes(': ') || raw.endsWith(':'))) throw new Unsupported();
  switch (raw) {
    case '~':
    case 'null':
    case 'Null':
    case 'NULL':
      return null;
    case 'true':
    case 'True':
    case 'TRUE':
      return true;
    case 'false':
    case 'False':
    case 'FALSE':
      return false;
  }
  if (/^-?(?:0|[1-9][0-9]{0,14})$/.test(raw)) return Number(raw);
  if (NUMBER_LIKE.some((re) => re.test(raw))) throw new Unsupported();
  return raw;
}
