// A WAL archive's slot is dropped only with consent: the plan holds back a Node change that stops wanting a slot.
import { describe, expect, it } from 'vitest';
import { planCatalog, type ActualObject } from '../../../src/core/plan/plan-catalog.js';
import { DEFAULT_PLAN_OPTIONS } from '../../../src/core/plan/types.js';
import { heldBackActions, heldBackSummary } from '../../../src/core/plan/held-back.js';
import type { DesiredObject, NodeSpec } from '../../../src/core/model.js';

const server = { kind: 'BackupServer' as const, name: 'b1', spec: { host: 'b1' }, hash: 's' };
const nodeSpec = (walArchive?: NodeSpec['walArchive']): NodeSpec => ({
  host: 'db', port: 5432, user: 'postgres', maintenanceDatabase: 'postgres', status: 'running', backupServer: 'b1', ...(walArchive ? { walArchive } : {}),
});
const archived = nodeSpec({ enabled: true, slot: 'arch', compression: 'none' });
const actual: ActualObject[] = [server, { kind: 'Node', name: 'n1', spec: archived, hash: 'a' }];
const desired = (spec: NodeSpec | null): DesiredObject[] => [
  { ...server, source: { file: 'f', line: 1, column: 1 } } as unknown as DesiredObject,
  ...(spec ? [{ kind: 'Node', name: 'n1', spec, hash: JSON.stringify(spec), source: { file: 'f', line: 1, column: 1 } } as unknown as DesiredObject] : []),
];

describe('slot drops', () => {
  it.each([
    ['walArchive removed', nodeSpec()],
    ['disabled', nodeSpec({ enabled: false, slot: 'arch', compression: 'none' })],
    ['slot renamed', nodeSpec({ enabled: true, slot: 'other', compression: 'none' })],
    ['node deleted', null],
  ])('%s: held back without --allow-slot-drop, noted with it', (_, spec) => {
    const held = planCatalog(desired(spec), actual, {}, DEFAULT_PLAN_OPTIONS);
    const node = held.actions.find((a) => a.kind === 'Node')!;
    expect(node.blocked).toMatch(/drops replication slot arch on node n1 .*needs --allow-slot-drop$/);
    const plan = { objectActions: held.actions } as Parameters<typeof heldBackActions>[0];
    expect(heldBackSummary(heldBackActions(plan))).toBe('1 action(s) held back (needs --allow-slot-drop)');
    const allowed = planCatalog(desired(spec), actual, {}, { ...DEFAULT_PLAN_OPTIONS, allowSlotDrop: true });
    const again = allowed.actions.find((a) => a.kind === 'Node')!;
    expect(again.blocked).toBeUndefined();
    expect(again.note).toMatch(/drops replication slot arch on node n1/);
  });

  it('keeps the server of a node whose delete is held back', () => {
    const held = planCatalog([], actual, {}, DEFAULT_PLAN_OPTIONS);
    expect(held.actions.find((a) => a.kind === 'BackupServer')!.blocked).toMatch(/still referenced by Node\/n1/);
  });

  it('changes nothing else: other fields, moving to another server, or a threshold keep the slot', () => {
    for (const spec of [
      { ...archived, port: 5433 },
      nodeSpec({ enabled: true, slot: 'arch', compression: 'gzip', maxSlotRetainedBytes: 10, server: 'b2' }),
    ]) {
      const plan = planCatalog(desired(spec), actual, {}, DEFAULT_PLAN_OPTIONS);
      const node = plan.actions.find((a) => a.kind === 'Node')!;
      expect(node.op).toBe('update');
      expect(node.blocked).toBeUndefined();
      expect(node.note).toBeUndefined();
    }
  });
});
