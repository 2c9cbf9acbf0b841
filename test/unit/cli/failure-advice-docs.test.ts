// docs/errors.md's "Why a run failed" table says what to do for every reason, in the words the code uses.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RUN_FAILURE_ADVICE } from '../../../src/core/failure-advice.js';

describe('docs/errors.md, "Why a run failed"', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map([...doc.matchAll(/^\| `([a-z-]+)` \| (.*) \| (.*) \|$/gm)].map((m) => [m[1]!, m[3]!]));

  it.each(Object.entries(RUN_FAILURE_ADVICE))('%s has its row with what to do', (reason, advice) => {
    expect(rows.get(reason)).toBe(advice);
  });

  it('lists no reason the code does not know', () => {
    expect([...rows.keys()].sort()).toEqual(Object.keys(RUN_FAILURE_ADVICE).sort());
  });
});
