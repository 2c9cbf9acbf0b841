// What an importer produces: configuration documents (with the file each belongs in) and findings. Also the
// naming rules they share, so that a source object always gets the same pgbackops name. Pure.
import { NAME_PATTERN } from '../names.js';
import type { Kind } from '../model.js';
import type { ImportFinding } from './findings.js';

export interface ImportDocument {
  kind: Kind;
  name: string;
  /** Path of the YAML file it is written to, relative to the output directory. */
  file: string;
  /** Where it came from (`pgbackman/def-id: "12"`); kept in metadata.annotations. */
  annotations?: Record<string, string>;
  /** The spec as written in YAML: only what differs from pgbackops' defaults, keys in reading order. */
  spec: Record<string, unknown>;
}

export interface ImportResult {
  documents: ImportDocument[];
  findings: ImportFinding[];
}

/** The recommended layout (docs/migrating.md): servers, retention policies, then one file per node. */
export const SERVERS_FILE = 'servers.yaml';
export const RETENTION_FILE = 'retention.yaml';
export const nodeFile = (node: string): string => `nodes/${node}.yaml`;

const MAX_NAME = 63;

/**
 * A name for text from the source (a host name, a database name): lower case, runs of anything else than
 * letters and digits become one hyphen, at most `max` characters, never empty.
 */
export function slug(text: string, max = MAX_NAME, fallback = 'x'): string {
  const s = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const cut = s.slice(0, max).replace(/-+$/, '');
  return cut === '' ? fallback : cut;
}

/** Joins name parts with hyphens, shortening the first parts so that the last (a suffix) always fits. */
export function joinName(...parts: string[]): string {
  const kept = parts.filter((p) => p !== '');
  const suffix = kept.length > 1 ? kept.pop()! : '';
  let head = kept.join('-');
  const room = MAX_NAME - (suffix === '' ? 0 : suffix.length + 1);
  head = head.slice(0, Math.max(1, room)).replace(/-+$/, '');
  const name = suffix === '' ? head : head === '' ? suffix : `${head}-${suffix}`;
  if (!NAME_PATTERN.test(name)) throw new Error(`internal: generated name ${JSON.stringify(name)} is not a valid name`);
  return name;
}

/**
 * Gives each item its base name, except that items sharing a base name all get `<base>-<id>`: a name depends
 * only on the item and whether another item has the same base, never on which one was seen first.
 */
export function distinctNames<T>(items: readonly T[], base: (item: T) => string, id: (item: T) => string): Map<T, string> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(base(item), (counts.get(base(item)) ?? 0) + 1);
  const out = new Map<T, string>();
  const used = new Set<string>();
  for (const item of items) {
    const b = base(item);
    let name = counts.get(b)! > 1 ? joinName(b, id(item)) : b;
    // A suffixed name can still meet another item's plain base name ("pg1" with id 2 vs a base "pg1-2").
    for (let n = 2; used.has(name); n++) name = joinName(b, `${id(item)}-${n}`);
    used.add(name);
    out.set(item, name);
  }
  return out;
}
