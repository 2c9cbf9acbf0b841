// How deeply lists and mappings may nest in a document. A configuration needs about four levels
// (spec.retention.keepLast, spec.databases[0]); a document nested hundreds of levels deep is a mistake or
// an attack, and every walk over a document (the parser's own, the checks', the schema's) is recursive:
// past about 800 levels they run out of stack ("Maximum call stack size exceeded"). Documents deeper than
// the limit are refused with their own code before anything else walks them.
import type { PathSegment } from './findings.js';

export const MAX_NESTING_DEPTH = 64;

export const TOO_DEEP_MESSAGE =
  `lists and mappings are nested more than ${MAX_NESTING_DEPTH} levels deep here; a configuration needs a few levels: ` +
  'check the indentation and the brackets';

/** The path to the first value nested deeper than the limit, or null. Recurses at most limit + 1 levels. */
export function tooDeepPath(value: unknown, limit = MAX_NESTING_DEPTH): PathSegment[] | null {
  return search(value, [], limit);
}

function search(value: unknown, path: PathSegment[], limit: number): PathSegment[] | null {
  if (value === null || typeof value !== 'object') return null;
  if (path.length >= limit) return path;
  // Every document is searched: no array of entries per mapping (they were a share of loading's garbage).
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = searchChild(value[i], i, path, limit);
      if (found) return found;
    }
    return null;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const found = searchChild(record[key], key, path, limit);
    if (found) return found;
  }
  return null;
}

function searchChild(child: unknown, key: PathSegment, path: PathSegment[], limit: number): PathSegment[] | null {
  if (child === null || typeof child !== 'object') return null;
  path.push(key);
  const found = search(child, path, limit);
  if (found) return found;
  path.pop();
  return null;
}
