// Random JSON-like values for differential tests of fast paths against their reference (canonical JSON,
// JSON written in pieces): Unicode (astral, lone surrogates, U+2028), control characters and NUL,
// whitespace, keys that JavaScript orders as array indices, an own "__proto__" key, undefined, odd numbers.

/** A small deterministic generator (mulberry32), so that a failure is reproducible from its seed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One of `names`, each as likely as its weight (1 when not listed): picks a random edit in the sequence tests. */
export function pickWeighted(names: readonly string[], weights: Readonly<Record<string, number>>, next: () => number): string {
  const total = names.reduce((sum, n) => sum + (weights[n] ?? 1), 0);
  let r = next() * total;
  for (const n of names) {
    r -= weights[n] ?? 1;
    if (r < 0) return n;
  }
  return names[names.length - 1]!;
}

export const ODD_TEXT = ['', ' ', '\t', '\n', '\r\n', '\u0000', '\u0001', '\u001f', '\u007f', '"', '\\', '/', 'é', '\u00a0', '\u2028', '\u2029', '\ufeff', '\ud800', '\udfff', '\u{1F418}', 'Ω', '  lead', 'trail  ', '0', '01', '1', '10', '9', '4294967294', '4294967295', '-1', '1.5', '__proto__', 'constructor', 'toJSON', 'a', 'B', 'b'];

/** A random value nested up to `depth` levels. */
export function randomValue(next: () => number, depth: number): unknown {
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
