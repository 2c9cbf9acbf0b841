// The pure IP literal reader must agree with net.isIP (what it replaces in configuration checks) on every
// input: ordinary addresses, their near misses, and generated strings of the characters that matter.
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ipVersion } from '../../../src/core/config/ip-address.js';

const KNOWN = [
  '1.2.3.4', '0.0.0.0', '255.255.255.255', '256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', '1.2.3.04', ' 1.2.3.4', '1.2.3.4 ',
  '::', '::1', '1::', 'fe80::1%eth0', 'fe80::1%', 'fe80::1%eth0%x', '1::2::3', ':::', '::ffff:1.2.3.4', '::1.2.3.4',
  '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:7:1.2.3.4', '1:2:3:4:5::1.2.3.4',
  '1:2:3:4:5:6::1.2.3.4', '1.2.3.4::', '1.2.3.4::1', '12345::', 'abcd::', 'ABCD::', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8',
  '1::2:3:4:5:6:7:8', '[::1]', '::%1', '1::%eth0', 'g::1', '00000::1', '0000::1', '1.2.3.4%eth0', '::ffff:01.2.3.4',
  '1:2:3:4:5:6:7:8%x', '::1.2.3.4%x', '', '.', ':', '%', 'localhost', 'db-1.example.com',
];

/** A small deterministic generator, so a failure names an input that can be replayed. */
function* generated(count: number): Generator<string> {
  let seed = 12345;
  const next = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  const pieces = ['1', '0', '00', '255', '256', '01', 'ff', 'FFFF', 'fffff', 'g', ':', '::', '.', '%', 'eth0', '-', '1.2.3.4', ''];
  for (let i = 0; i < count; i++) {
    let s = '';
    const n = 1 + next(12);
    for (let j = 0; j < n; j++) s += pieces[next(pieces.length)];
    yield s;
  }
}

describe('ipVersion', () => {
  it('agrees with net.isIP on known cases', () => {
    for (const text of KNOWN) expect([text, ipVersion(text)]).toEqual([text, isIP(text)]);
  });

  it('agrees with net.isIP on 50,000 generated strings', () => {
    let valid = 0;
    const disagreements: string[] = [];
    for (const text of generated(50_000)) {
      if (ipVersion(text) !== isIP(text)) disagreements.push(text);
      if (isIP(text) !== 0) valid++;
    }
    expect(disagreements.slice(0, 10)).toEqual([]);
    // The generator must reach valid addresses too, or the agreement says little.
    expect(valid).toBeGreaterThan(500);
  });
});
