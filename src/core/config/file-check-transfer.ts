// A `FileCheck` as plain data that can cross to another thread (structured clone), and back into a
// `FileCheck` that `combineFileChecks` cannot tell from one made here (engine/parallel-file-checks.ts).
//
// A batch crosses as one JSON text (`packBatch`): taking a structured clone of the documents' data apart cost
// the receiving thread about twice what parsing the same data as JSON does (bench/README.md, "cold validate
// on two cores"), and the receiver's time is what the whole validation waits for. The few values that JSON
// cannot carry exactly (-0, NaN, Infinity: YAML's `-0`, `.nan`, `.inf`) go beside it as structured clones.
//
// What crosses is only what the thread that combines cannot make cheaply itself: each document's offset,
// the findings, the name and its position, and the data of the documents that passed their checks (the
// rules across files and normalisation read it). Not the file's text (the receiver has it), nor the YAML
// node tree (made again from the text, on demand, for a position, as a fresh parse would), nor the data
// of a document that failed its checks (nothing after the checks reads it; a document refused as too deep
// could not even be cloned).
import type { Diagnostic, Kind, SourceLocation } from '../model.js';
import type { ConfigFile } from './config-file.js';
import type { Finding } from './findings.js';
import type { CheckedDocument } from './input.js';
import type { DocumentCheck, FileCheck } from './validate.js';
import { ConfigDocument, SourceFile } from './yaml-documents.js';

export interface PackedFileCheck {
  diagnostics: readonly Diagnostic[];
  documentCount: number;
  brokenNames: readonly { kind: Kind; name: string }[];
  documents: PackedDocument[];
}

/**
 * A document, in few characters: what the receiver can take from the document's data or the file is left
 * out (a checked document's kind and name are in its data, every position is in this file).
 */
export interface PackedDocument {
  /** Offset of the document's contents. */
  s: number;
  /** Offset of metadata.name's value, when the fast reader saw it. */
  o?: number;
  /** The document's own findings, when it has any. */
  f?: readonly Finding[];
  /** Kind and name of a named document that did not pass its checks (a checked one's are in `v`). */
  n?: { kind: Kind; name: string };
  /** Line and column of metadata.name, for a named document. */
  at?: [number, number];
  /** The document's data, for a document that passed its checks (it then has a `CheckedDocument`). */
  v?: unknown;
}

export function packFileCheck(check: FileCheck): PackedFileCheck {
  return {
    diagnostics: check.diagnostics,
    documentCount: check.documentCount,
    brokenNames: check.brokenNames,
    documents: check.documents.map((d): PackedDocument => {
      const p: PackedDocument = { s: d.doc.start };
      if (d.doc.nameOffset !== undefined) p.o = d.doc.nameOffset;
      if (d.findings.length > 0) p.f = d.findings;
      if (d.named) {
        p.at = [d.named.source.line, d.named.source.column];
        if (d.checked) p.v = d.doc.value;
        else p.n = { kind: d.named.kind, name: d.named.name };
      }
      return p;
    }),
  };
}

const NO_FINDINGS: readonly Finding[] = Object.freeze([]);

/** The `FileCheck` of `file` from its packed form (made from the same path and text). */
export function unpackFileCheck(file: ConfigFile, packed: PackedFileCheck): FileCheck {
  const source = new SourceFile(file.path, file.text);
  const documents = packed.documents.map((p): DocumentCheck => {
    const doc = new ConfigDocument(source, p.s, p.v, p.o);
    const findings = p.f ?? NO_FINDINGS;
    if (!p.at) return { doc, findings };
    // As checkDocument makes them: the named document and the checked one share the name's position.
    const at = { file: file.path, line: p.at[0], column: p.at[1] };
    if (p.v === undefined) return { doc, findings, named: { kind: p.n!.kind, name: p.n!.name, source: at, doc } };
    const value = p.v as { kind: Kind; metadata: { name: string }; spec: unknown };
    const named = { kind: value.kind, name: value.metadata.name, source: at, doc };
    const checked = { kind: value.kind, name: value.metadata.name, spec: value.spec, source: at, doc } as CheckedDocument;
    return { doc, findings, named, checked };
  });
  return { path: file.path, diagnostics: packed.diagnostics, documentCount: packed.documentCount, brokenNames: packed.brokenNames, documents };
}

/** Packed checks of a batch of files, for postMessage: a JSON text and, apart, the values JSON would change. */
export interface PackedBatch {
  json: string;
  /** [file index in the batch, document index in the file, the document's checked data]. */
  unsafe: [number, number, unknown][];
}

export function packBatch(checks: readonly FileCheck[]): PackedBatch {
  const unsafe: [number, number, unknown][] = [];
  const packed = checks.map((check, f) => {
    const p = packFileCheck(check);
    p.documents.forEach((d, i) => {
      if (d.v !== undefined && !jsonExact(d.v)) {
        unsafe.push([f, i, d.v]);
        delete d.v;
      }
    });
    return p;
  });
  return { json: JSON.stringify(packed), unsafe };
}

/** The checks of `files` (the batch, in its order) from `packBatch`'s answer. */
export function unpackBatch(files: readonly ConfigFile[], batch: PackedBatch): FileCheck[] {
  const packed = JSON.parse(batch.json) as PackedFileCheck[];
  if (!Array.isArray(packed) || packed.length !== files.length) throw new Error(`a batch of ${files.length} file(s) answered with ${Array.isArray(packed) ? packed.length : 'no'} check(s)`);
  for (const [f, i, value] of batch.unsafe) packed[f]!.documents[i]!.v = value;
  return packed.map((p, f) => unpackFileCheck(files[f]!, p));
}

/** True when JSON.parse(JSON.stringify(value)) is the same data: plain objects, arrays, strings, booleans, null, finite numbers but -0. */
function jsonExact(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) return value.every(jsonExact);
      if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return false;
      for (const key in value) if (!jsonExact((value as Record<string, unknown>)[key])) return false;
      return true;
    }
    default:
      return false;
  }
}
