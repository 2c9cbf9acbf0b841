// Imported documents as YAML files, deterministically: files sorted by path, documents in a file by kind
// (in dependency order) then name, keys in the order the importer built them. The same source gives
// byte-identical files. Pure.
import { stringify } from 'yaml';
import { API_VERSION, KINDS } from '../model.js';
import type { ImportDocument } from './documents.js';
import { compareNatural } from './findings.js';

export interface YamlFile {
  /** Relative to the output directory, `/`-separated. */
  path: string;
  content: string;
}

export function renderYamlTree(documents: readonly ImportDocument[], header: string): YamlFile[] {
  const byFile = new Map<string, ImportDocument[]>();
  for (const d of documents) {
    const list = byFile.get(d.file) ?? [];
    list.push(d);
    byFile.set(d.file, list);
  }
  const files: YamlFile[] = [];
  for (const [path, docs] of byFile) {
    docs.sort((a, b) => KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind) || compareNatural(a.name, b.name));
    const head = `${header.split('\n').map((l) => `# ${l}`.trimEnd()).join('\n')}\n`;
    files.push({ path, content: head + docs.map(renderDocument).join('---\n') });
  }
  return files.sort((a, b) => compareNatural(a.path, b.path));
}

function renderDocument(d: ImportDocument): string {
  const metadata: Record<string, unknown> = { name: d.name };
  if (d.annotations && Object.keys(d.annotations).length > 0) metadata.annotations = d.annotations;
  const doc = { apiVersion: API_VERSION, kind: d.kind, metadata, spec: d.spec };
  // lineWidth 0: never fold long strings (remarks), so a value is one line and diffs stay readable.
  return stringify(doc, { lineWidth: 0, minContentWidth: 0, defaultStringType: 'PLAIN', defaultKeyType: 'PLAIN' });
}
