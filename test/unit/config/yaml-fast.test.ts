// The fast YAML reader must either decline (null) or give exactly what the `yaml` package gives: same
// documents, same data, same start offsets, same metadata.name positions. Checked on every fixture, on
// tricky snippets, and on thousands of generated documents.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, parseAllDocuments, type Document } from 'yaml';
import { describe, expect, it } from 'vitest';
import { YAML_OPTIONS } from '../../../src/core/config/yaml-documents.js';
import { parseSimpleYaml } from '../../../src/core/config/yaml-fast.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** What `yaml` says about a text, in the fast reader's terms; null if `yaml` reports any error. */
function reference(text: string) {
  const docs = parseAllDocuments(text, YAML_OPTIONS);
  const list = Array.isArray(docs) ? (docs as Document.Parsed[]) : [];
  if (list.some((d) => d.errors.length > 0 || d.warnings.length > 0)) return null;
  return list
    .filter((d) => d.contents !== null && !(isScalar(d.contents) && d.contents.value === null))
    .map((d) => {
      const contents = d.contents as { range: [number, number, number] };
      const metadata = isMap(d.contents) ? d.contents.get('metadata', true) : undefined;
      const name = isMap(metadata) ? metadata.get('name', true) : undefined;
      const nameOffset = isScalar(name) && typeof name.value === 'string' ? name.range?.[0] : undefined;
      return { value: d.toJS({ maxAliasCount: 100 }), start: contents.range[0], ...(nameOffset === undefined ? {} : { nameOffset }) };
    });
}

function expectSameOrDeclined(text: string, label = ''): 'fast' | 'declined' {
  const fast = parseSimpleYaml(text);
  if (fast === null) return 'declined';
  const ref = reference(text);
  // JSON.stringify shows the invisible characters (NBSP, form feeds, lone surrogates...) of a failing input.
  expect(ref, `${label}yaml rejects what the fast reader accepted: ${JSON.stringify(text)}`).not.toBeNull();
  expect(fast, `${label}${JSON.stringify(text)}`).toEqual(ref);
  // Same prototype-free shape checks: plain objects and arrays only.
  return 'fast';
}

async function yamlFilesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await yamlFilesUnder(full)));
    else if (/\.ya?ml$/.test(entry.name)) out.push(full);
  }
  return out;
}

describe('fast YAML reader', () => {
  it('agrees with yaml on every fixture and example, and reads the ordinary ones itself', async () => {
    const files = [...(await yamlFilesUnder(join(ROOT, 'test/fixtures/config'))), ...(await yamlFilesUnder(join(ROOT, 'examples')))];
    expect(files.length).toBeGreaterThan(100);
    let fast = 0;
    for (const file of files) {
      const text = await readFile(file, 'utf8').catch(() => null);
      if (text === null || text.includes('\0')) continue;
      if (expectSameOrDeclined(text) === 'fast') fast++;
    }
    // Most fixtures are plain YAML; the fast path must actually be taken, not always declined.
    expect(fast).toBeGreaterThan(files.length / 2);
    for (const ordinary of ['valid/defaults/minimal.yaml', 'valid/design/pgbackops.yaml', 'invalid/several-errors-several-files/nodes.yaml']) {
      expect(parseSimpleYaml(await readFile(join(ROOT, 'test/fixtures/config', ordinary), 'utf8')), ordinary).not.toBeNull();
    }
  });

  it.each([
    ['flow mapping metadata', 'apiVersion: pgbackops/v1\nkind: Node\nmetadata: { name: "pg-a", x: y }\nspec: {}\n', 'fast'],
    ['comments everywhere', '# head\na: 1 # one\n# mid\nb:   # empty\n  c: "x" # q\n---   # sep\n\nd: [1, two, "3"] # list\n', 'fast'],
    ['sequence at the parent indentation', 'a:\n- x\n- 2\nb: c\n', 'fast'],
    ['indented sequence', 'a:\n  - x\n  - y\nb: c\n', 'fast'],
    ['single quotes', "a: 'it''s'\nb: ['x', 'y''z']\n", 'fast'],
    ['plain scalars yaml 1.2 keeps as strings', 'a: yes\nb: off\nc: 1d12h\nd: 7d\ne: 1_000\nf: -oProxy\ng: x#y\nh: H H(0-5) * * *\n', 'fast'],
    ['null and booleans', 'a: ~\nb: null\nc: TRUE\nd: False\ne:\nf: -12\n', 'fast'],
    ['nested flow mapping', 'metadata: { name: pg-a, labels: { x: y } }\n', 'declined'],
    ['trailing spaces', 'a: b   \nc: "d"  \n', 'fast'],
    ['anchors and aliases', 'a: &x 1\nb: *x\n', 'declined'],
    ['tags', 'a: !!str 1\n', 'declined'],
    ['block scalar', 'a: |\n  text\n', 'declined'],
    ['multi-line plain scalar', 'a: one\n  two\n', 'declined'],
    ['hex, octal, floats, infinities', 'a: 0x1F\n', 'declined'],
    ['float', 'a: 1.5\n', 'declined'],
    ['exponent', 'a: 1e3\n', 'declined'],
    ['leading zero', 'a: 007\n', 'declined'],
    ['plus sign', 'a: +5\n', 'declined'],
    ['infinity', 'a: .inf\n', 'declined'],
    ['quoted key', '"a": 1\n', 'declined'],
    ['numeric key', '15: /usr/lib\n', 'declined'],
    ['boolean key', 'true: 1\n', 'declined'],
    ['__proto__ key', '__proto__: { polluted: true }\n', 'declined'],
    ['duplicate key', 'a: 1\na: 2\n', 'declined'],
    ['tab', 'a:\n\tb: 1\n', 'declined'],
    ['CRLF', 'a: 1\r\nb: 2\r\n', 'declined'],
    ['common escapes in double quotes', 'a: "x\\ny"\nb: "say \\"hi\\": C:\\\\dir\\/\\t."\nc: ["\\"", \'\\n\']\nd: { e: "\\\\" }\n', 'fast'],
    ['a backslash is content outside double quotes', "a: C:\\dir\\x\nb: 'single \\n'\nc: [p\\q]\n", 'fast'],
    ['other escapes', 'a: "\\x41"\n', 'declined'],
    ['unicode escape', 'a: "\\u0041"\n', 'declined'],
    ['NUL escape', 'a: "x\\0"\n', 'declined'],
    ['escaped closing quote leaves the scalar open', 'a: "x\\"\nb: 1\n', 'declined'],
    ['line continuation', 'a: "x\\\n  y"\n', 'declined'],
    ['explicit key', '? a\n: 1\n', 'declined'],
    ['mapping in a sequence', 'a:\n  - b: 1\n', 'declined'],
    ['nested flow', 'a: [[1], 2]\n', 'declined'],
    ['unclosed flow', 'a: [1, 2\nb: 3\n', 'declined'],
    ['unclosed quote', 'a: "x\nb: 2\n', 'declined'],
    ['bad indentation', 'a:\n  b: 1\n c: 2\n', 'declined'],
    ['value then deeper line', 'a: 1\n  b: 2\n', 'declined'],
    ['colon in plain value', 'a: b: c\n', 'declined'],
    ['alias-looking cron', 'schedule: */5 * * * *\n', 'declined'],
    ['directive', '%YAML 1.2\n---\na: 1\n', 'declined'],
    ['document end marker', 'a: 1\n...\n', 'declined'],
    ['top-level list', '- a\n- b\n', 'declined'],
    ['top-level scalar', 'hello\n', 'declined'],
    ['indented root', '  a: 1\n', 'declined'],
    ['key without space', 'a:b\n', 'declined'],
    ['trailing comma in flow', 'a: [1, 2,]\n', 'declined'],
    ['empty flow item', 'a: [1, , 2]\n', 'declined'],
    ['flow mapping without space', 'a: {b:1}\n', 'declined'],
    // JavaScript's white space (trim, \s) is not YAML's: only space and tab are white, only \n and \r break lines.
    ['NBSP before a key is not indentation', 'spec:\n\u00A0host: x\n', 'declined'],
    ['ideographic space before a key', 'spec:\n\u3000host: x\n', 'declined'],
    ['form feed before a key', 'spec:\n\fhost: x\n', 'declined'],
    ['NBSP inside and at the end of a value is content', 'a: x\u00A0y\u00A0\nb: [\u2003z\u2003, w]\n', 'fast'],
    ['NBSP before a comment is content', 'a: x\u00A0# c\nb: x\u00A0 # c\n', 'fast'],
    ['NBSP after a dash is content', 'a:\n  - \u00A0x\n', 'fast'],
    ['NBSP after a colon does not end the key', 'a:\u00A0x\n', 'declined'],
    ['form feed and vertical tab in values', 'a: b\fc\nd: e\v\n', 'declined'],
    ['NUL in a value', 'a: b\0\n', 'declined'],
    ['lone surrogate', 'a: \uD800\n', 'declined'],
    ['YAML 1.1 line breaks', 'a: x\u2028y\nb: \u0085\nc: \u2029\n', 'declined'],
    ['BOM in the middle', 'a: 1\n\uFEFF---\nb: 2\n', 'declined'],
    ['separator followed by a comment without a space', '---#c\na: 1\n', 'declined'],
    ['separator with a comment', '--- # c\na: 1\n', 'fast'],
    // Only the top-level metadata.name is noted (nameOffset), wherever else a `metadata` or `name` key sits.
    ['name keys that are not metadata.name', 'spec:\n  metadata:\n    name: x\n  name: y\nname: z\nother: { name: w }\nmetadata:\n  labels:\n    name: v\n  name: "pg-b"\n', 'fast'],
    ['metadata name in a flow mapping after a nested block', 'spec:\n  a:\n    b:\n      c: 1\nmetadata: { x: 1, name: \'pg-c\' }\n', 'fast'],
    ['a sequence under metadata', 'metadata:\n  - name\n', 'fast'],
    ['hash and colon-space inside quotes', 'a: "x # y: z"\nb: [\'p: q\', "#"]\nc: { d: \'e # f\' }\n', 'fast'],
  ])('%s', (_name, text, expected) => {
    expect(expectSameOrDeclined(text)).toBe(expected);
  });

  it('agrees with yaml on thousands of generated documents', () => {
    const random = seeded(20240601);
    let fast = 0;
    const total = 3000;
    for (let n = 0; n < total; n++) {
      const text = generateDocuments(random);
      if (expectSameOrDeclined(text) === 'fast') fast++;
    }
    // The generator mixes plain forms with tricky ones: a good share must take the fast path.
    expect(fast).toBeGreaterThan(total / 5);
    expect(fast).toBeLessThan(total);
  });

  it('agrees with yaml on thousands of documents laced with unusual white space and Unicode', () => {
    // Each case is an ordinary document with a few odd characters or fragments put in at random places:
    // in indentation, around keys, colons and dashes, inside and after scalars, in comments and markers.
    const seed = 20260315;
    const random = seeded(seed);
    let fastWithUnicodeSpace = 0;
    const total = 6000;
    for (let n = 0; n < total; n++) {
      const text = unusualDocument(random);
      const hasUnicodeSpace = UNICODE_SPACES.some((c) => text.includes(c));
      if (expectSameOrDeclined(text, `seed ${seed}, case ${n}: `) === 'fast' && hasUnicodeSpace) fastWithUnicodeSpace++;
    }
    // Unicode spaces are ordinary content characters in YAML 1.2: the fast path must read many of these
    // itself (and so be compared), not decline them all.
    expect(fastWithUnicodeSpace).toBeGreaterThan(total / 20);
  });
});

// A tiny deterministic PRNG (mulberry32), so a failure can be replayed.
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Words the fast reader takes itself (some look tricky but are plain strings, nulls or integers). */
const SAFE_WORDS = ['a', 'pg-orders', 'backup01', 'null', 'Null', 'true', 'FALSE', 'yes', '~', '0', '12', '-3', '7d', '1d12h', 'x y', 'H H(0-5) * * *', 'a#b', '-x', '?x', ':x', "it's", 'é ü', '---', 'a:b', 'say "hi"', 'C:\\dir', 'x\\', 'tab\there', 'two\nlines'];
const WORDS = ['a', 'pg-orders', 'backup01', 'null', 'Null', 'true', 'FALSE', 'yes', '~', '0', '12', '-3', '007', '+4', '1.5', '1e3', '0x1F', '.inf', '.nan', '7d', '1d12h', 'x y', 'H H(0-5) * * *', '*/5 * * * *', 'a:b', 'a: b', 'a #b', 'a#b', '-x', '- x', '?x', ':x', '#x', '&x', '!x', '|', '>', '%x', '@x', '`x`', '[x]', '{x}', 'x,y', "it's", 'say "hi"', 'é ü', '', ' lead', 'trail ', '---', '...'];
const SAFE_KEYS = ['a', 'b', 'c', 'd', 'name', 'metadata', 'spec', 'my-key', 'k_2', 'host', 'port', 'schedule', 'retention', 'keepLast'];
const KEYS = [...SAFE_KEYS, 'true', '15', '"q"', 'a b', '__proto__'];

let words: readonly string[] = WORDS;
let keys: readonly string[] = KEYS;

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)]!;
}

function scalarText(random: () => number, word: string): string {
  switch (Math.floor(random() * 3)) {
    case 0:
      return word;
    case 1:
      return JSON.stringify(word); // double-quoted (with escapes: \" \\ \n \t are read, others decline)
    default:
      return `'${word.replace(/'/g, "''")}'`;
  }
}

function flowText(random: () => number): string {
  const count = Math.floor(random() * 4);
  if (random() < 0.5) return `[${Array.from({ length: count }, () => scalarText(random, pick(random, words))).join(', ')}]`;
  const chosen = Array.from({ length: count }, () => pick(random, keys));
  return `{ ${chosen.map((k) => `${k}: ${scalarText(random, pick(random, words))}`).join(', ')} }`;
}

function blockMapping(random: () => number, indent: number, depth: number): string {
  const pad = ' '.repeat(indent);
  let out = '';
  const entries = 1 + Math.floor(random() * 4);
  for (let i = 0; i < entries; i++) {
    const key = pick(random, keys);
    const roll = random();
    if (roll < 0.45) out += `${pad}${key}: ${scalarText(random, pick(random, words))}${random() < 0.2 ? ' # note' : ''}\n`;
    else if (roll < 0.6) out += `${pad}${key}: ${flowText(random)}\n`;
    else if (roll < 0.75 && depth < 3) out += `${pad}${key}:\n${blockMapping(random, indent + 2, depth + 1)}`;
    else if (roll < 0.9) {
      const itemPad = random() < 0.5 ? pad : pad + '  ';
      const items = 1 + Math.floor(random() * 3);
      out += `${pad}${key}:\n`;
      for (let j = 0; j < items; j++) out += `${itemPad}- ${scalarText(random, pick(random, words))}\n`;
    } else out += `${pad}${key}:\n`;
    if (random() < 0.1) out += `${pad}# comment\n`;
  }
  return out;
}

function generateDocuments(random: () => number): string {
  const safe = random() < 0.5;
  words = safe ? SAFE_WORDS : WORDS;
  keys = safe ? SAFE_KEYS : KEYS;
  const docs = 1 + Math.floor(random() * 3);
  const parts: string[] = [];
  for (let d = 0; d < docs; d++) parts.push(random() < 0.1 ? '' : blockMapping(random, 0, 0));
  return (random() < 0.3 ? '---\n' : '') + parts.join('---\n');
}

/**
 * What JavaScript counts as white space or a line end (trim, \\s, split) but YAML 1.2 does not, what YAML
 * forbids but the `yaml` package reads anyway, and the fragments of YAML syntax whose meaning depends on
 * the white space around them.
 */
const UNUSUAL = [
  '\u00A0', '\u1680', '\u2000', '\u2003', '\u2007', '\u200A', '\u202F', '\u205F', '\u3000', '\uFEFF', '\u0085', '\u2028', '\u2029',
  '\f', '\v', '\t', '\r', '\r\n', '\0', '\x7F', '\x1B', '\u009F', '\uD800', '\uDC00', '\uFFFE', '\u{1F418}', 'é',
  ' ', '  ', '\n', '#', ' #', '# c', ' # c', ':', ': ', ' :', '-', '- ', '?', '? ', '"', "'", '[', ']', '{', '}', ',', '&a', '*a', '!', '|', '>',
  '---', '--- ', '...', '\n---\n', '\n...\n', '\n--- # c\n', '---#c', '\\', '%',
];
/** Unicode spaces: white space to JavaScript, ordinary content characters to YAML 1.2. */
const UNICODE_SPACES = ['\u00A0', '\u1680', '\u2000', '\u2003', '\u200A', '\u202F', '\u205F', '\u3000'];
/** The unusual white space alone, to indent with or to put around separators. */
const ODD_SPACES = [...UNICODE_SPACES, '\uFEFF', '\f', '\v', '\t', '\u0085', '\u2028', '\u2029'];

/** An ordinary document (mostly the plain subset), then 1-3 insertions or replacements of unusual text. */
function unusualDocument(random: () => number): string {
  words = SAFE_WORDS.concat(['x # y', 'p: q', '#', 'a\u00A0b', '\u3000', 'é\u2003']);
  keys = SAFE_KEYS;
  let text = (random() < 0.2 ? '---\n' : '') + blockMapping(random, 0, 0) + (random() < 0.3 ? `---${random() < 0.5 ? ' # next' : ''}\n` + blockMapping(random, 0, 0) : '');
  const edits = 1 + Math.floor(random() * 3);
  for (let e = 0; e < edits; e++) {
    const roll = random();
    if (roll < 0.4) {
      // Unusual white space where separation matters: after ": ", "- ", ", ", "[" or "{", before " #"
      // or a line end, or after a line's indentation.
      const at = [...text.matchAll(/: |- |, |\[|\{|(?= #)|(?=\n)|\n +/g)].map((m) => m.index! + m[0].length);
      if (at.length === 0) continue;
      const i = pick(random, at);
      text = text.slice(0, i) + pick(random, random() < 0.7 ? UNICODE_SPACES : ODD_SPACES) + text.slice(i);
    } else if (roll < 0.55) {
      // Indent a line with unusual white space, instead of or in front of its spaces.
      const lines = text.split('\n');
      const i = Math.floor(random() * lines.length);
      const odd = pick(random, ODD_SPACES);
      lines[i] = random() < 0.5 ? lines[i]!.replace(/^ */, (m) => odd + m.slice(1)) : odd + lines[i]!;
      text = lines.join('\n');
    } else if (roll < 0.9) {
      const i = Math.floor(random() * (text.length + 1));
      text = text.slice(0, i) + pick(random, UNUSUAL) + text.slice(i);
    } else {
      const i = Math.floor(random() * text.length);
      text = text.slice(0, i) + pick(random, UNUSUAL) + text.slice(i + 1);
    }
  }
  if (random() < 0.1) text = text.replace(/\n/g, '\r\n');
  if (random() < 0.1) text = text.replace(/\n/g, '   \n'); // trailing spaces
  return text;
}
