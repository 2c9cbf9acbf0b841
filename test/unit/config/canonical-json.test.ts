// canonicalJson writes sorted-key JSON directly (a fast path: every spec is hashed through it) and must give
// the reference's bytes on any input, because spec hashes stored in catalogs depend on them. Compared here on
// hand-picked oddities and on many random values: Unicode (astral, lone surrogates, U+2028), control
// characters and NUL, whitespace, keys that JavaScript orders as array indices, "__proto__", undefined.
import { describe, expect, it } from 'vitest';
import { canonicalJson, referenceCanonicalJson, sha256Hex, specHash } from '../../../src/core/canonical.js';
import { createHash } from 'node:crypto';

/** A small deterministic generator (mulberry32), so that a failure is reproducible from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ODD_TEXT = ['', ' ', '\t', '\n', '\r\n', '\u0000', '\u0001', '\u001f', '\u007f', '"', '\\', '/', 'é', '\u00a0', '\u2028', '\u2029', '\ufeff', '\ud800', '\udfff', '\u{1F418}', 'Ω', '  lead', 'trail  ', '0', '01', '1', '10', '9', '4294967294', '4294967295', '-1', '1.5', '__proto__', 'constructor', 'toJSON', 'a', 'B', 'b'];

function randomValue(next: () => number, depth: number): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const r = next();
  if (depth <= 0 || r < 0.45) {
    const p = next();
    if (p < 0.35) return pick(ODD_TEXT) + (next() < 0.5 ? pick(ODD_TEXT) : '');
    if (p < 0.55) return pick([0, -0, 1, -1, 1.5, 1e21, 1e-7, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY, 42]);
    if (p < 0.7) return next() < 0.5;
    if (p < 0.85) return null;
    return undefined;
  }
  if (r < 0.65) return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth - 1));
  const out: Record<string, unknown> = {};
  for (let i = Math.floor(next() * 6); i > 0; i--) {
    const key = pick(ODD_TEXT) + (next() < 0.3 ? pick(ODD_TEXT) : '');
    // An own "__proto__" key, as a parser that defines properties would make it.
    Object.defineProperty(out, key, { value: randomValue(next, depth - 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

describe('canonicalJson', () => {
  it('agrees with the reference on odd values', () => {
    const sparse: unknown[] = [1];
    sparse[3] = 'x';
    const cases: unknown[] = [
      null, true, 0, -0, Number.NaN, '', '\u0000', 'é\u2028\ud800', [], {}, [undefined, null], sparse,
      { b: 1, a: 2, A: 3, '10': 4, '9': 5, '01': 6, '4294967295': 7, '4294967294': 8, ' ': 9 },
      { x: undefined, y: [undefined], z: { w: undefined } },
      JSON.parse('{"__proto__": {"a": 1}, "b": 2}'),
      new Date(0), { nested: [{ z: 1, a: [{ c: '\t', b: '\n' }] }] },
      { f: () => 1 }, { toJSON: 'not a function' },
    ];
    for (const value of cases) expect(canonicalJson(value)).toBe(referenceCanonicalJson(value));
    expect(canonicalJson({ '10': 1, '9': 2, b: 3, a: 4 })).toBe('{"9":2,"10":1,"a":4,"b":3}');
  });

  it('agrees with the reference on 20,000 random values', () => {
    for (let seed = 1; seed <= 20_000; seed++) {
      const value = randomValue(random(seed), 4);
      const fast = canonicalJson(value);
      if (fast !== referenceCanonicalJson(value)) expect({ seed, fast }).toEqual({ seed, fast: referenceCanonicalJson(value) });
    }
  });

  it('hashes as sha256 of the canonical text', () => {
    const spec = { node: 'pg1', databases: ['app', 'é\u0000'], retention: { keepLast: 3 } };
    expect(specHash(spec)).toBe(createHash('sha256').update(referenceCanonicalJson(spec)).digest('hex'));
    expect(sha256Hex('\u{1F418}\u0000')).toBe(createHash('sha256').update('\u{1F418}\u0000').digest('hex'));
  });
});
