// Every string of the configuration ends up in the catalog (specs are stored as jsonb), and PostgreSQL's
// text and jsonb cannot hold two things a YAML string can: U+0000, and a UTF-16 surrogate without its
// pair. A file cannot contain either (a NUL byte makes it binary, a surrogate is not valid UTF-8), but a
// double-quoted string can spell them: "\0", "\x00", "\u0000", "\uD800". Refused here, with the string's
// position, rather than let apply fail on them (SQLSTATE 22P05 or 22P02, and no position).
import { walkData } from './data-walk.js';
import type { DiagnosticCode } from './codes.js';
import { displayPath, finding, type DocPath, type Finding } from './findings.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Anything PostgreSQL cannot store: a NUL or any surrogate code unit (paired ones are then told apart by
 * problemOf). One test per key and string: every document passes here and almost none has either.
 */
const SUSPECT = /[\0\uD800-\uDFFF]/;

/** Every key and string of a document that PostgreSQL could not store. */
export function unstorableTextFindings(value: unknown): Finding[] {
  const found: Finding[] = [];
  // The message (a display path, a quoted key) is written only for a string that has a problem.
  const check = (text: string, path: DocPath, target: 'key' | 'value'): void => {
    const problem = SUSPECT.test(text) ? problemOf(text) : null;
    if (!problem) return;
    const what = target === 'key' ? `the key ${JSON.stringify(text)}` : displayPath(path);
    found.push(finding(problem.code, [...path], `${what} contains ${problem.what}: PostgreSQL cannot store it; ${problem.fix}`, target));
  };
  walkData(value, {
    key(key, path) {
      check(key, path, 'key');
      return true;
    },
    string(text, path) {
      check(text, path, 'value');
    },
  });
  return found;
}

function problemOf(text: string): { code: DiagnosticCode; what: string; fix: string } | null {
  if (text.includes('\0')) return { code: 'E_NUL_CHARACTER', what: 'a NUL character', fix: 'remove the \\0, \\x00 or \\u0000 escape' };
  if (LONE_SURROGATE.test(text)) {
    return { code: 'E_UNPAIRED_SURROGATE', what: 'half of a UTF-16 surrogate pair', fix: 'write the character itself, or its \\U00XXXXXX escape, instead of a \\uD800-\\uDFFF escape' };
  }
  return null;
}
