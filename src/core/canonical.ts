// Canonical JSON (sorted keys, no undefined) and its hash: the identity of a normalised spec.
import crypto from 'node:crypto';

/**
 * `JSON.stringify` of the value with every object's keys sorted and undefined values dropped. Written
 * directly rather than by building a sorted copy of the value and stringifying it (`referenceCanonicalJson`):
 * every spec of a configuration is hashed through this, and the copy was most of its cost and its garbage at
 * 100,000 definitions (bench/scale.js). Its output is the reference's, byte for byte, on any input (stored
 * hashes depend on it; test/unit/config/canonical-json.test.ts compares the two on random values): key order
 * included, where JavaScript puts array-index keys ("0", "12") first in numeric order. What the fast writer
 * does not handle (functions, symbols, bigints) goes to the reference.
 */
export function canonicalJson(value: unknown): string {
  try {
    return write(value);
  } catch (err) {
    if (err === UNUSUAL) return referenceCanonicalJson(value);
    throw err;
  }
}

/** The definition canonicalJson must agree with. */
export function referenceCanonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

const UNUSUAL = Symbol('a value the direct writer leaves to the reference');

function write(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          // As JSON.stringify writes a hole or an undefined element of an array.
          out += (i > 0 ? ',' : '') + (item === undefined ? 'null' : write(item));
        }
        return `${out}]`;
      }
      return writeObject(value as Record<string, unknown>);
    default:
      // undefined at the top, functions, symbols, bigints.
      throw UNUSUAL;
  }
}

function writeObject(record: Record<string, unknown>): string {
  const shape = shapeOf(Object.keys(record));
  let out = '{';
  let first = true;
  for (let i = 0; i < shape.order.length; i++) {
    const v = record[shape.order[i]!];
    if (v === undefined) continue;
    out += (first ? '' : ',') + shape.prefixes[i]! + write(v);
    first = false;
  }
  return `${out}}`;
}

/**
 * The keys of an object in the reference's order, each with its `"key":` prefix. Specs of one kind have a
 * handful of key lists between them, so the sorting and quoting is done once per list and kept: a list is
 * found again by comparing its keys (interned property names, compared by identity).
 */
interface Shape {
  keys: readonly string[];
  order: string[];
  prefixes: string[];
}

/** Shapes by their first key; bounded, so that odd input cannot grow it without end. */
const shapes = new Map<string, Shape[]>();
let shapeCount = 0;
const MAX_SHAPES = 512;

function shapeOf(keys: string[]): Shape {
  const candidates = shapes.get(keys[0] ?? '');
  if (candidates) {
    for (const shape of candidates) if (sameKeys(shape.keys, keys)) return shape;
  }
  const shape = makeShape(keys);
  if (shapeCount >= MAX_SHAPES) {
    shapes.clear();
    shapeCount = 0;
  }
  const list = shapes.get(keys[0] ?? '');
  if (list) list.push(shape);
  else shapes.set(keys[0] ?? '', [shape]);
  shapeCount++;
  return shape;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function makeShape(keys: string[]): Shape {
  const sorted = [...keys].sort();
  // The reference's sorted copy enumerates its array-index keys first, in numeric order.
  const indexKeys = sorted.filter(isArrayIndex);
  const ordered = indexKeys.length === 0 ? sorted : [...indexKeys.sort((a, b) => Number(a) - Number(b)), ...sorted.filter((k) => !isArrayIndex(k))];
  // Assigning "__proto__" on the reference's copy sets its prototype instead of a key: never written.
  const order = ordered.filter((k) => k !== '__proto__');
  return { keys, order, prefixes: order.map((k) => `${JSON.stringify(k)}:`) };
}

/** A canonical array index: "0" or no leading zero, below 2^32 - 1. */
function isArrayIndex(key: string): boolean {
  const c = key.charCodeAt(0);
  if (c < 48 || c > 57) return false;
  return /^(?:0|[1-9][0-9]*)$/.test(key) && Number(key) < 4294967295;
}

// crypto.hash (Node >= 20.12) is the one-shot form, several times cheaper than createHash for short input:
// a configuration of 100,000 definitions hashes every spec and every `H` field of every schedule.
const oneShot = (crypto as { hash?: (algorithm: string, data: string | Buffer, encoding: 'hex' | 'buffer') => string | Buffer }).hash;

export function sha256Hex(text: string | Buffer): string {
  return oneShot ? (oneShot('sha256', text, 'hex') as string) : crypto.createHash('sha256').update(text).digest('hex');
}

/** sha256 of the concatenation of `parts`, without building it (a whole configuration is tens of MB). */
export function sha256OfParts(parts: Iterable<string>): string {
  const hash = crypto.createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

export function specHash(spec: unknown): string {
  return sha256Hex(canonicalJson(spec));
}
