// A --json document is written in pieces (a 100,000-action plan would otherwise be one 100 MB string); the
// pieces joined must be JSON.stringify(value, null, 2) byte for byte, on odd and random values and on a
// real plan document.
import { describe, expect, it } from 'vitest';
import { jsonChunks } from '../../../src/core/render/json-chunks.js';
import { makePlan } from '../../../src/core/plan/make-plan.js';
import { DEFAULT_PLAN_OPTIONS } from '../../../src/core/plan/types.js';
import { planToJson } from '../../../src/core/render/plan-json.js';
import { jsonDocument } from '../../../src/core/render/json-contract.js';
import { random, randomValue } from '../../helpers/random-json.js';
import { actualOf, backup, node, retention, server } from '../plan/fixtures.js';

const joined = (value: unknown) => [...jsonChunks(value)].join('');

describe('jsonChunks', () => {
  it('joins to JSON.stringify(value, null, 2) on odd values', () => {
    const cases: unknown[] = [
      {}, [], { a: [] }, { a: {} }, [[[[{ deep: ['x\ny', { z: '\u2028' }] }]]]], { f: () => 1, u: undefined, s: Symbol('s'), n: null },
      [undefined, () => 1, Symbol('s')], { when: new Date(0), list: [new Date(1)] }, { '10': 1, '9': 2, b: [1, { c: '\u0000' }] },
    ];
    for (const value of cases) expect(joined(value)).toBe(JSON.stringify(value, null, 2));
  });

  it('joins to JSON.stringify(value, null, 2) on 5,000 random values', () => {
    for (let seed = 1; seed <= 5_000; seed++) {
      const value = { document: randomValue(random(seed), 6), list: [randomValue(random(seed + 1), 5)] };
      const expected = JSON.stringify(value, null, 2);
      if (joined(value) !== expected) expect({ seed, text: joined(value) }).toEqual({ seed, text: expected });
    }
  });

  it('cuts a plan document between its actions', () => {
    const objects = [retention('standard'), server('backup01'), node('pg1', 'backup01'), ...Array.from({ length: 50 }, (_, i) => backup(`pg1-db${i}`, 'pg1'))];
    const plan = makePlan({ revision: 'r1', objects }, { catalogVersion: 1, objects: actualOf([]), backupCounts: {} }, { server: null, note: 'catalog only' }, DEFAULT_PLAN_OPTIONS);
    const document = jsonDocument(planToJson(plan, '0.0.0-test'), '0.0.0-test');
    const chunks = [...jsonChunks(document)];
    expect(chunks.join('')).toBe(JSON.stringify(document, null, 2));
    expect(chunks.length).toBeGreaterThan(plan.objectActions.length);
  });
});
