// The logical method's prerequisite check against a real node: every prerequisite its rules name is
// checked and found on a reachable PostgreSQL 15 with this machine's client tools; an unreachable node
// fails the connection and leaves the tools unjudged rather than guessed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupMethodOf } from '../../../src/methods/registry.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { nodeOf } from '../../helpers/pg-tools.js';

let node: TestCluster;
beforeAll(async () => {
  node = await startTestCluster();
});
afterAll(() => node?.stop());

const logical = backupMethodOf('logical', 'test');
const names = logical.rules.prerequisites.map((p) => p.name);

describe('logical method: prerequisites on a node', () => {
  it('a reachable node and client tools of its version or newer: every prerequisite holds', async () => {
    const checks = await logical.check({ node: { ...nodeOf(node), name: 'pg1' } });
    expect(checks.map((c) => c.name)).toEqual(names);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks[0]!.detail).toMatch(/^connected to node pg1 .*: PostgreSQL 15\./);
    expect(checks.find((c) => c.name === 'pg_dump')!.detail).toMatch(/pg_dump \(15\.\d+\) for a PostgreSQL 15\.\d+ server$/);
  });

  it('a node that cannot be reached: the connection fails, and no tool is judged without its version', async () => {
    const checks = await logical.check({ node: { ...nodeOf(node, { port: 1 }), name: 'pg1' } });
    expect(checks.map((c) => [c.name, c.ok])).toEqual(names.map((n) => [n, false]));
    expect(checks[0]!.detail).toMatch(/^cannot connect to node pg1 \(.*:1, user .*, database postgres\): /);
    expect(checks.slice(1).every((c) => c.detail === "not checked: the node's server version is unknown")).toBe(true);
  });
});
