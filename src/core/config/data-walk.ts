// One walk over a document's data for the checks that concern every key and string whatever the kind and
// the field (secrets, characters PostgreSQL cannot store). `path` is one mutable stack for the whole walk
// (this runs on every document): a visitor copies it when it keeps it.
import type { PathSegment } from './findings.js';

export interface DataVisitor {
  /** A mapping key (the path ends with it). Return false to leave the value under it unvisited. */
  key(key: string, path: readonly PathSegment[]): boolean;
  /** A string value. */
  string(text: string, path: readonly PathSegment[]): void;
}

export function walkData(value: unknown, visitor: DataVisitor): void {
  walk(value, [], visitor);
}

function walk(value: unknown, path: PathSegment[], visitor: DataVisitor): void {
  if (typeof value === 'string') {
    visitor.string(value, path);
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      walk(value[i], path, visitor);
      path.pop();
    }
  } else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      path.push(key);
      if (visitor.key(key, path)) walk((value as Record<string, unknown>)[key], path, visitor);
      path.pop();
    }
  }
}
