import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { uuidRangeOfPrefix } from '../../../src/adapters/catalog/report-queries.js';

describe('uuidRangeOfPrefix', () => {
  it('is the range of the uuids whose text starts with the prefix: the same answer as `like prefix%`', () => {
    const ids = Array.from({ length: 2000 }, () => randomUUID());
    for (const prefix of ['abcd', '0000', 'ffff', ids[0]!.slice(0, 9), ids[1]!.slice(0, 14), ids[2]!.slice(0, 20), ids[3]!, ids[4]!.slice(0, 8)]) {
      const range = uuidRangeOfPrefix(prefix)!;
      expect(range).not.toBeNull();
      // uuids order as their text does (PostgreSQL compares the bytes, the text is the bytes in hex).
      const inRange = ids.filter((id) => id >= range[0] && id <= range[1]);
      expect(inRange).toEqual(ids.filter((id) => id.startsWith(prefix)));
    }
  });

  it('is null for what no uuid starts with', () => {
    for (const bad of ['abc', 'abcg', 'ABCD'.toLowerCase() + 'x', 'abcdefgh', '12345678x', '1234567-', '12345678-12345', `${randomUUID()}0`, ' abcd', 'ab%d', 'ab_d']) {
      expect(uuidRangeOfPrefix(bad)).toBeNull();
    }
  });
});
