// canonicalJson writes sorted-key JSON directly (a fast path: every spec is hashed through it) and must give
// the reference's bytes on any input, because spec hashes stored in catalogs depend on them. Compared here on
// hand-picked oddities and on many random values: Unicode (astral, lone surrogates, U+2028), control
// characters and NUL, whitespace, keys that JavaScript orders as array indices, "__proto__", undefined.
import { describe, expect, it } from 'vitest';
import { canonicalJson, referenceCanonicalJson, sha256Hex, specHash } from '../../../src/core/canonical.js';
import { createHash } from 'node:crypto';
import { random, randomValue } from '../../helpers/random-json.js';

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

  it('agrees with the reference when many objects share key lists (the key orders it keeps)', () => {
    // A small pool of keys, so that key lists recur: in the same and in other insertion orders, with
    // undefined values, index-like keys, "__proto__" and more lists than are kept at once.
    const pool = ['node', 'b', 'a', '10', '9', '', '__proto__', 'é', 'A', 'schedule'];
    const rand = random(7);
    for (let n = 0; n < 5_000; n++) {
      const record: Record<string, unknown> = n % 97 === 0 ? JSON.parse('{"__proto__": 1}') : {};
      const size = Math.floor(rand() * pool.length);
      for (let i = 0; i < size; i++) {
        const key = pool[Math.floor(rand() * pool.length)]!;
        if (key === '__proto__') continue;
        record[key] = rand() < 0.2 ? undefined : rand() < 0.5 ? { [key]: n } : n;
      }
      expect(canonicalJson(record)).toBe(referenceCanonicalJson(record));
    }
  });

  it('hashes as sha256 of the canonical text', () => {
    const spec = { node: 'pg1', databases: ['app', 'é\u0000'], retention: { keepLast: 3 } };
    expect(specHash(spec)).toBe(createHash('sha256').update(referenceCanonicalJson(spec)).digest('hex'));
    expect(sha256Hex('\u{1F418}\u0000')).toBe(createHash('sha256').update('\u{1F418}\u0000').digest('hex'));
  });
});
