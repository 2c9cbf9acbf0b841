// `JSON.stringify(value, null, 2)` in pieces: the same text, cut between the elements of the outer arrays
// and mappings, so that a huge document (the plan of a 100,000-definition first apply is over 100 MB of
// JSON) is written without ever being one string (docs/cli.md: the JSON has every action). Below the outer
// levels each element is JSON.stringify's own text, re-indented: JSON escapes every newline inside a string,
// so each newline in that text is a line break of the layout.

/** Levels cut into pieces: a document's keys, the lists of actions under them, and each action. */
const CUT_DEPTH = 3;

export function jsonChunks(value: unknown): Generator<string> {
  return chunksOf(toJsonValue(value, ''), 0);
}

/** `json` is what JSON.stringify writes for a member (its toJSON() already called). */
function* chunksOf(json: unknown, depth: number): Generator<string> {
  if (depth >= CUT_DEPTH || json === null || typeof json !== 'object') {
    yield indented(JSON.stringify(json, null, 2) ?? 'null', depth); // undefined only at the top
    return;
  }
  const inner = '  '.repeat(depth + 1);
  const outer = '  '.repeat(depth);
  if (Array.isArray(json)) {
    if (json.length === 0) {
      yield '[]';
      return;
    }
    yield '[';
    for (let i = 0; i < json.length; i++) {
      const item = toJsonValue(json[i], String(i));
      yield `${i > 0 ? ',' : ''}\n${inner}`;
      // An element JSON cannot write (undefined, a function, a symbol) is null in an array.
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') yield 'null';
      else yield* chunksOf(item, depth + 1);
    }
    yield `\n${outer}]`;
    return;
  }
  let first = true;
  for (const key of Object.keys(json)) {
    const item = toJsonValue((json as Record<string, unknown>)[key], key);
    // Members JSON cannot write are left out of a mapping.
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    yield `${first ? '{' : ','}\n${inner}${JSON.stringify(key)}: `;
    first = false;
    yield* chunksOf(item, depth + 1);
  }
  yield first ? '{}' : `\n${outer}}`;
}

/** What JSON.stringify writes for the value: its toJSON() when it has one (a Date). */
function toJsonValue(value: unknown, key: string): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return (value as { toJSON(key: string): unknown }).toJSON(key);
  }
  return value;
}

function indented(text: string, depth: number): string {
  return depth === 0 || !text.includes('\n') ? text : text.replaceAll('\n', `\n${'  '.repeat(depth)}`);
}
