// Catalog statements are chunked: a group of changes larger than the limits becomes several statements of the
// same (operation, kind), in order, whose rows together are exactly the group's, so the transaction applies
// the same thing; no parameter grows with the fleet.
import { describe, expect, test } from 'vitest';
import { changeStatements, DEFAULT_CHUNK_LIMITS, type ChangeStatement } from '../../../src/adapters/catalog/change-statements.js';
import type { CatalogChange } from '../../../src/adapters/catalog/catalog.js';
import { KINDS, type Kind } from '../../../src/core/model.js';

const create = (kind: Kind, name: string, spec: unknown = { n: name }): CatalogChange => ({ op: 'create', kind, name, spec, hash: `h-${name}` });
const update = (kind: Kind, name: string): CatalogChange => ({ op: 'update', kind, name, spec: { u: name }, hash: `u-${name}` });
const remove = (kind: Kind, name: string): CatalogChange => ({ op: 'delete', kind, name });

/** What a list of statements does, chunk boundaries erased: per (op, kind) in order, the rows it sends. */
function effect(statements: ChangeStatement[]): { op: string; kind: Kind; sql: string; rows: unknown[] }[] {
  const merged: { op: string; kind: Kind; sql: string; rows: unknown[] }[] = [];
  for (const s of statements) {
    const rows = s.op === 'delete' ? (s.params[0] as string[]) : (JSON.parse(s.params[0] as string) as unknown[]);
    const last = merged.at(-1);
    if (last && last.op === s.op && last.kind === s.kind) {
      expect(s.sql).toBe(last.sql);
      last.rows.push(...rows);
    } else merged.push({ op: s.op, kind: s.kind, sql: s.sql, rows: [...rows] });
  }
  return merged;
}

function mixedFleet(n: number): CatalogChange[] {
  const changes: CatalogChange[] = [];
  for (let i = 0; i < n; i++) {
    changes.push(create('Backup', `b${i}`, { node: `n${i % 7}`, databases: [`db${i}`], note: 'x'.repeat(i % 50) }));
    if (i % 3 === 0) changes.push(update('Node', `n${i}`));
    if (i % 5 === 0) changes.push(remove('Backup', `old${i}`));
    if (i % 11 === 0) changes.push(remove('Node', `oldnode${i}`));
  }
  changes.push(create('Retention', 'standard'), create('BackupServer', 's1'));
  return changes;
}

describe('changeStatements', () => {
  test('a group larger than the row limit is split in order, and each statement is within the limits', () => {
    const changes = Array.from({ length: 5_001 }, (_, i) => create('Backup', `b${i}`));
    const statements = changeStatements(changes, { rows: 2_000, chars: Number.MAX_SAFE_INTEGER });
    expect(statements.map((s) => s.names.length)).toEqual([2_000, 2_000, 1_001]);
    expect(statements.flatMap((s) => s.names)).toEqual(changes.map((c) => c.name));
    for (const s of statements) expect((JSON.parse(s.params[0] as string) as { name: string }[]).map((r) => r.name)).toEqual(s.names);
  });

  test('the default limits keep a 100,000-definition first apply out of one huge parameter', () => {
    const changes = Array.from({ length: 100_000 }, (_, i) =>
      create('Backup', `pg${i % 10_000}-db${i}`, { node: `pg${i % 10_000}`, databases: [`app${i % 7}`], type: 'full', schedule: 'H H(0-5) * * *', retention: 'standard' }),
    );
    const statements = changeStatements(changes);
    expect(statements.length).toBe(Math.ceil(100_000 / DEFAULT_CHUNK_LIMITS.rows));
    for (const s of statements) {
      expect(s.names.length).toBeLessThanOrEqual(DEFAULT_CHUNK_LIMITS.rows);
      expect((s.params[0] as string).length).toBeLessThanOrEqual(DEFAULT_CHUNK_LIMITS.chars + 2);
    }
  });

  test('the character limit splits too, and a row larger than it travels alone', () => {
    const changes = [create('Node', 'a', 'x'.repeat(40)), create('Node', 'b', 'x'.repeat(40)), create('Node', 'big', 'x'.repeat(500)), create('Node', 'c', 'x'.repeat(40))];
    const statements = changeStatements(changes, { rows: 100, chars: 200 });
    expect(statements.map((s) => s.names)).toEqual([['a', 'b'], ['big'], ['c']]);
  });

  test('deletes are chunked by the row limit, after every upsert, kinds in reverse order', () => {
    const changes = [...Array.from({ length: 5 }, (_, i) => remove('Backup', `d${i}`)), remove('Node', 'n'), create('Retention', 'r')];
    const statements = changeStatements(changes, { rows: 2, chars: 1_000 });
    expect(statements.map((s) => `${s.op}:${s.kind}:${s.names.join(',')}`)).toEqual([
      'create:Retention:r',
      'delete:Backup:d0,d1',
      'delete:Backup:d2,d3',
      'delete:Backup:d4',
      'delete:Node:n',
    ]);
  });

  test('chunked statements have the same effect as one statement per group', () => {
    const changes = mixedFleet(3_000);
    const whole = changeStatements(changes, { rows: Number.MAX_SAFE_INTEGER, chars: Number.MAX_SAFE_INTEGER });
    // One statement per (op, kind) group when nothing limits it.
    expect(new Set(whole.map((s) => `${s.op}:${s.kind}`)).size).toBe(whole.length);
    for (const limits of [{ rows: 1, chars: 1 }, { rows: 7, chars: 1_000 }, { rows: 1_000, chars: 20_000 }, DEFAULT_CHUNK_LIMITS]) {
      expect(effect(changeStatements(changes, limits))).toEqual(effect(whole));
    }
    // Dependency order: creates and updates by kind, deletes in reverse.
    const order = effect(whole).map((g) => `${g.op}:${g.kind}`);
    const upserts = order.filter((o) => !o.startsWith('delete'));
    expect(upserts.map((o) => KINDS.indexOf(o.split(':')[1] as Kind))).toEqual([...upserts.map((o) => KINDS.indexOf(o.split(':')[1] as Kind))].sort((a, b) => a - b));
    expect(order.slice(upserts.length)).toEqual(['delete:Backup', 'delete:Node']);
  });

  test('a change named twice is refused', () => {
    expect(() => changeStatements([create('Node', 'a'), remove('Node', 'a')])).toThrow(/more than once/);
  });
});
