// Path inside a document -> line and column in its file, by walking the YAML node tree.
import { isAlias, isMap, isScalar, isSeq, type Node } from 'yaml';
import type { Diagnostic, SourceLocation } from '../model.js';
import type { ConfigDocument } from './yaml-documents.js';
import { jsonPointer, type DocPath, type Finding, type Target } from './findings.js';

export function locate(doc: ConfigDocument, path: DocPath, target: Target = 'value'): SourceLocation {
  const offset = offsetOf(doc, path, target);
  const pos = doc.source.position(offset);
  return { file: doc.file, line: pos.line, column: pos.col };
}

export function toDiagnostic(doc: ConfigDocument, f: Finding): Diagnostic {
  const target = f.target ?? 'value';
  // For a missing field the position is its parent mapping, but the pointer names the missing field.
  const where = locate(doc, target === 'parent' ? f.path.slice(0, -1) : f.path, target);
  return {
    code: f.code,
    message: f.message,
    file: where.file,
    line: where.line,
    column: where.column,
    path: jsonPointer(f.path),
    severity: f.severity ?? 'error',
  };
}

function offsetOf(doc: ConfigDocument, path: DocPath, target: Target): number {
  let node: unknown = doc.yaml.contents;
  let keyNode: Node | null = null;
  for (const segment of path) {
    node = deref(doc, node);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break; // the path goes further than the YAML (e.g. a default): point at the deepest match
      keyNode = isScalar(pair.key) ? pair.key : null;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)];
      if (item === undefined) break;
      keyNode = null;
      node = item;
    } else {
      break;
    }
  }
  const valueStart = startOf(node);
  const keyStart = startOf(keyNode);
  if (target === 'value') {
    // `key:` with nothing after it has an empty null scalar just past the colon; the key reads better.
    const empty = isScalar(node) && node.value === null && node.range != null && node.range[0] === node.range[1];
    return (empty ? keyStart : valueStart) ?? keyStart ?? documentStart(doc);
  }
  // 'key' and 'parent' both prefer the key: for a missing field, the key that holds the mapping (`spec:`).
  return keyStart ?? valueStart ?? documentStart(doc);
}

/** Follow an alias to its anchor when the path continues inside it. */
function deref(doc: ConfigDocument, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc.yaml) : node;
}

function startOf(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? range[0] : undefined;
}

function documentStart(doc: ConfigDocument): number {
  return startOf(doc.yaml.contents) ?? doc.yaml.range[0];
}
