// YAML text -> documents that know where they came from. Syntax problems come from the `yaml` package's own
// errors (with its codes and positions); a document with any of them is not checked further.
//
// Most files are read by the fast subset reader (yaml-fast.ts). The `yaml` package's node tree, needed only
// to turn a path into a line and column for a diagnostic, is then built on demand, once per file.
import { LineCounter, parseAllDocuments, isAlias, visit, type Document, type DocumentOptions, type ErrorCode, type ParseOptions } from 'yaml';
import type { Diagnostic } from '../model.js';
import type { ConfigFile } from './config-file.js';
import type { DiagnosticCode } from './codes.js';
import { TOO_DEEP_MESSAGE } from './nesting.js';
import { parseSimpleYaml } from './yaml-fast.js';

/**
 * How configuration YAML is read. stringKeys: a key is the string written (`15:` is "15", `~:` is "~"), and
 * a key that is a list, a mapping, an alias or a tagged value is an error at its position, instead of
 * being stringified into a field name (with a Node.js warning on stderr). logLevel: the parser never
 * writes to stderr; what it has to say becomes a diagnostic.
 */
export const YAML_OPTIONS = { prettyErrors: true, uniqueKeys: true, stringKeys: true, version: '1.2', logLevel: 'error' } as const satisfies ParseOptions &
  DocumentOptions;

/**
 * Budget for alias expansion, in the `yaml` package's units (roughly the number of nodes aliases copy).
 * Enough for repeating a few values; a "billion laughs" document exceeds it at once.
 */
export const MAX_ALIAS_COUNT = 100;

/** One configuration file, with its `yaml` parse made on first need and kept. */
export class SourceFile {
  private parsed?: { docs: Document.Parsed[]; lineCounter: LineCounter };
  private lineStarts?: number[];

  constructor(
    readonly path: string,
    readonly text: string,
  ) {}

  yamlDocuments(): Document.Parsed[] {
    return this.fullParse().docs;
  }

  /**
   * Drops the line index `position` built (made again on the next call): a file kept between loads by the
   * daemon (engine/incremental-desired.ts) would otherwise hold one number per line of the whole fleet.
   */
  forgetLineIndex(): void {
    this.lineStarts = undefined;
  }

  /** 1-based line and column of an offset. */
  position(offset: number): { line: number; col: number } {
    if (this.parsed) return this.parsed.lineCounter.linePos(offset);
    this.lineStarts ??= lineStartsOf(this.text);
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.lineStarts[lo]! + 1 };
  }

  fullParse(): { docs: Document.Parsed[]; lineCounter: LineCounter } {
    if (!this.parsed) {
      const lineCounter = new LineCounter();
      const parsed = parseAllDocuments(this.text, { ...YAML_OPTIONS, lineCounter });
      // An empty stream (only comments or nothing) has no documents at all.
      this.parsed = { docs: Array.isArray(parsed) ? parsed : [], lineCounter };
    }
    return this.parsed;
  }
}

export class ConfigDocument {
  private tree?: Document.Parsed;

  constructor(
    readonly source: SourceFile,
    /** Offset of the document's contents: tells it apart from the other documents of the file. */
    readonly start: number,
    /** The document as plain data; undefined when the document has syntax errors. */
    public value: unknown,
    /** Offset of the metadata.name value when the fast reader saw it (saves building the tree). */
    readonly nameOffset?: number,
    tree?: Document.Parsed,
  ) {
    this.tree = tree;
  }

  get file(): string {
    return this.source.path;
  }

  /** The `yaml` node tree of this document, for positions. */
  get yaml(): Document.Parsed {
    if (!this.tree) {
      const docs = this.source.yamlDocuments();
      this.tree = docs.find((d) => startOf(d) === this.start) ?? docs.find((d) => d.range[0] <= this.start && this.start < d.range[2]) ?? docs[0]!;
    }
    return this.tree;
  }
}

export interface ParsedFile {
  documents: ConfigDocument[];
  /** Documents that could not be parsed; kept so that their kind/name can still be recognised. */
  broken: ConfigDocument[];
  diagnostics: Diagnostic[];
}

export function parseConfigFile(file: ConfigFile): ParsedFile {
  const source = new SourceFile(file.path, file.text);
  const fast = parseSimpleYaml(file.text);
  if (fast) {
    return {
      documents: fast.map((d) => new ConfigDocument(source, d.start, d.value, d.nameOffset)),
      broken: [],
      diagnostics: [],
    };
  }
  return parseWithYaml(source);
}

function parseWithYaml(source: SourceFile): ParsedFile {
  const out: ParsedFile = { documents: [], broken: [], diagnostics: [] };
  for (const yaml of source.yamlDocuments()) {
    const doc = new ConfigDocument(source, startOf(yaml), undefined, undefined, yaml);
    for (const warning of yaml.warnings) {
      out.diagnostics.push(yamlDiagnostic(source.path, 'W_YAML', describeYamlError(warning.code, warning.message), warning.linePos?.[0], 'warning'));
    }
    if (yaml.errors.length > 0) {
      // One line often yields the same error several times (each `*` of an unquoted cron expression): once is enough.
      const reported = new Set<string>();
      for (const error of yaml.errors) {
        const { code, message } = yamlError(error.code, error.message);
        const key = `${error.linePos?.[0].line} ${message}`;
        if (reported.has(key)) continue;
        reported.add(key);
        out.diagnostics.push(yamlDiagnostic(source.path, code, message, error.linePos?.[0], 'error'));
      }
      out.broken.push(doc);
      continue;
    }
    if (isEmptyDocument(yaml)) continue; // a bare `---` separates nothing worth checking
    try {
      doc.value = yaml.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      out.diagnostics.push(aliasDiagnostic(doc, err));
      out.broken.push(doc);
      continue;
    }
    out.documents.push(doc);
  }
  return out;
}

/** Whatever data a broken document still yields (to recognise its kind and name), or undefined. */
export function partialValue(doc: ConfigDocument): unknown {
  try {
    return doc.yaml.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch {
    return undefined;
  }
}

/**
 * The `yaml` parser reads process.env.LOG_TOKENS once per token, and in Node every process.env read is a
 * getenv() call into C++: for a fleet of 10,000 definitions that alone cost about a quarter of the parse
 * time. While parsing (synchronously: no other code can run meanwhile) process.env is a plain copy of
 * itself, then the real one is put back. Where process.env cannot be replaced, parse as is. Callers wrap
 * a whole validation in it, since positions for diagnostics may parse files again.
 */
export function withPlainEnvironment<T>(parse: () => T): T {
  const real = process.env;
  try {
    process.env = { ...real };
  } catch {
    return parse();
  }
  try {
    return parse();
  } finally {
    process.env = real;
  }
}

function startOf(yaml: Document.Parsed): number {
  const contents = yaml.contents as { range?: [number, number, number] } | null;
  return contents?.range?.[0] ?? yaml.range[0];
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function isEmptyDocument(yaml: Document.Parsed): boolean {
  const contents = yaml.contents as { value?: unknown } | null;
  return contents === null || (contents.value === null && !('items' in contents));
}

/** Our code and message for an error of the `yaml` parser. */
function yamlError(code: ErrorCode, message: string): { code: DiagnosticCode; message: string } {
  switch (code) {
    case 'DUPLICATE_KEY':
      return { code: 'E_YAML_DUPLICATE_KEY', message: describeYamlError(code, message) };
    case 'NON_STRING_KEY':
      return { code: 'E_YAML_KEY_NOT_STRING', message: 'this key is not a plain string (it is a list, a mapping, an alias or a tagged value); field names are strings' };
    case 'RESOURCE_EXHAUSTION':
      // The parser ran out of stack composing nested collections.
      return { code: 'E_YAML_TOO_DEEP', message: TOO_DEEP_MESSAGE };
    default:
      return { code: 'E_YAML_SYNTAX', message: describeYamlError(code, message) };
  }
}

/**
 * The `yaml` package's messages end with " at line L, column C:" and an excerpt of the source. The position
 * is reported separately, and the excerpt could show a secret on the offending line in CI logs, so keep
 * only the first sentence, plus a hint for the most common YAML trap in cron expressions.
 */
function describeYamlError(code: string, message: string): string {
  const head = message.replace(/ at line \d+, column \d+:[\s\S]*$/, '').trim();
  const aliasHint =
    /alias/i.test(head) && code !== 'DUPLICATE_KEY'
      ? ' (if this is a cron expression: a plain value starting with * is a YAML alias, so quote it, e.g. schedule: "*/15 * * * *")'
      : '';
  return head + aliasHint;
}

/** toJS failed: aliases expanding too much, or (through aliases of aliases) data too deep for the stack. */
function aliasDiagnostic(doc: ConfigDocument, err: unknown): Diagnostic {
  const message = err instanceof Error ? err.message : String(err);
  const isBomb = /resource exhaustion|alias count/i.test(message);
  const isTooDeep = err instanceof RangeError;
  // Point at the first alias of the document: that is where the expansion starts.
  let offset = doc.yaml.range[0];
  visit(doc.yaml, {
    Alias(_key, node) {
      if (isAlias(node) && node.range) offset = node.range[0];
      return visit.BREAK;
    },
  });
  const pos = doc.source.position(offset);
  return {
    code: isBomb ? 'E_YAML_ALIASES' : isTooDeep ? 'E_YAML_TOO_DEEP' : 'E_YAML_SYNTAX',
    message: isBomb
      ? `aliases in this document expand to too many nodes (limit ${MAX_ALIAS_COUNT}): refused as a possible alias bomb; write the values out or use fewer nested aliases`
      : isTooDeep
        ? TOO_DEEP_MESSAGE
        : describeYamlError('', message),
    file: doc.file,
    line: pos.line,
    column: pos.col,
    path: '',
    severity: 'error',
  };
}

function yamlDiagnostic(
  file: string,
  code: DiagnosticCode,
  message: string,
  pos: { line: number; col: number } | undefined,
  severity: 'error' | 'warning',
): Diagnostic {
  return { code, message, file, line: pos?.line ?? 1, column: pos?.col ?? 1, path: '', severity };
}
