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

export interface PackedDocument {
  start: number;
  nameOffset: number | undefined;
  findings: readonly Finding[];
  named: { kind: Kind; name: string; source: SourceLocation } | undefined;
  /** The document's data, for a document that passed its checks (it then has a `CheckedDocument`), else undefined. */
  checkedValue: unknown;
}

export function packFileCheck(check: FileCheck): PackedFileCheck {
  return {
    diagnostics: check.diagnostics,
    documentCount: check.documentCount,
    brokenNames: check.brokenNames,
    documents: check.documents.map(
      (d): PackedDocument => ({
        start: d.doc.start,
        nameOffset: d.doc.nameOffset,
        findings: d.findings,
        named: d.named ? { kind: d.named.kind, name: d.named.name, source: d.named.source } : undefined,
        checkedValue: d.checked ? d.doc.value : undefined,
      }),
    ),
  };
}

/** The `FileCheck` of `file` from its packed form (made from the same path and text). */
export function unpackFileCheck(file: ConfigFile, packed: PackedFileCheck): FileCheck {
  const source = new SourceFile(file.path, file.text);
  const documents = packed.documents.map((p): DocumentCheck => {
    const doc = new ConfigDocument(source, p.start, p.checkedValue, p.nameOffset);
    // As checkDocument makes them: the named document and the checked one share the name's position.
    const named = p.named ? { kind: p.named.kind, name: p.named.name, source: p.named.source, doc } : undefined;
    if (p.checkedValue === undefined || !named) return { doc, findings: p.findings, named };
    const checked = {
      kind: named.kind,
      name: named.name,
      spec: (p.checkedValue as { spec: unknown }).spec,
      source: named.source,
      doc,
    } as CheckedDocument;
    return { doc, findings: p.findings, named, checked };
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
      if (d.checkedValue !== undefined && !jsonExact(d.checkedValue)) {
        unsafe.push([f, i, d.checkedValue]);
        d.checkedValue = undefined;
      }
    });
    return p;
  });
  return { json: JSON.stringify(packed), unsafe };
}

/** The checks of `files` (the batch, in its order) from `packBatch`'s answer. */
export function unpackBatch(files: readonly ConfigFile[], batch: PackedBatch): FileCheck[] {
  const packed = JSON.parse(batch.json) as PackedFileCheck[];
  for (const [f, i, value] of batch.unsafe) packed[f]!.documents[i]!.checkedValue = value;
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
