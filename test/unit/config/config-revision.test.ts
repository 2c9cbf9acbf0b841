// The configuration revision is hashed file by file (a 100,000-definition configuration is tens of MB) and
// must stay the sha256 of canonicalJson([[path, text], ...]) in path order: a stored revision that changed
// meaning would make every catalog see a new revision.
import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../../../src/core/canonical.js';
import { compareText } from '../../../src/core/config/findings.js';
import { configRevision } from '../../../src/core/config/validate.js';

describe('configRevision', () => {
  it('is the hash of the canonical [path, text] list, whatever the files and their order', () => {
    const files = [
      { path: 'nodes/pg2.yaml', text: 'a: "quoted \\" and \\\\"\n' },
      { path: 'b.yaml', text: 'é ü \u2028 \u{1F418}\n' },
      { path: 'a b/c.yaml', text: '' },
      { path: 'B.yaml', text: 'x: [1, 2]\n'.repeat(1000) },
    ];
    const expected = sha256Hex(canonicalJson([...files].sort((a, b) => compareText(a.path, b.path)).map((f) => [f.path, f.text])));
    expect(configRevision(files)).toBe(expected);
    expect(configRevision([...files].reverse())).toBe(expected);
    expect(configRevision([])).toBe(sha256Hex('[]'));
  });
});
