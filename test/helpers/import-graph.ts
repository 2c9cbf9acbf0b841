// The import graph of the sources as the TypeScript compiler reads them: every import, `export ... from` and
// dynamic `import()` of every .ts file below a folder, with relative specifiers resolved to repository paths
// (`src/core/model.ts`) and package and node: specifiers kept as written (`pg`, `node:fs`).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';

export interface ImportEdge {
  /** The importing file, relative to the repository root, with `/` separators. */
  from: string;
  /** A repository path (`src/...ts`) for a relative import, else the specifier as written. */
  to: string;
  /** Line of the import in `from` (1-based), for the message. */
  line: number;
}

export function importGraph(root: string, folder: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of typeScriptFiles(join(root, folder))) {
    const from = relative(root, file).split('\\').join('/');
    const text = readFileSync(file, 'utf8');
    // The compiler's own pre-pass: import/export declarations and import() calls (types included), without
    // building a syntax tree.
    for (const imported of ts.preProcessFile(text, true, true).importedFiles) {
      const line = text.slice(0, imported.pos).split('\n').length;
      edges.push({ from, to: resolveSpecifier(from, imported.fileName), line });
    }
  }
  return edges;
}

/** `./x.js` seen from `src/a/b.ts` is `src/a/x.ts`; other specifiers stay as written. */
export function resolveSpecifier(from: string, specifier: string): string {
  if (!specifier.startsWith('.')) return specifier;
  return normalize(join(dirname(from), specifier)).split('\\').join('/').replace(/\.js$/, '.ts');
}

function typeScriptFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...typeScriptFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out.sort();
}
