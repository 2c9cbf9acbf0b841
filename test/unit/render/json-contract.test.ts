// The JSON contract's conversion (src/core/render/json-contract.ts): snake_case field names everywhere, except
// where a document's keys are data, and format_version / pgbackops_version first.
import { describe, expect, it } from 'vitest';
import { contractJson, errorDocument, jsonDocument, snakeCase } from '../../../src/core/render/json-contract.js';

describe('snakeCase', () => {
  it.each([
    ['lastSuccessAt', 'last_success_at'],
    ['pgDumpVersion', 'pg_dump_version'],
    ['rpoMs', 'rpo_ms'],
    ['walLSN', 'wal_lsn'],
    ['sha256', 'sha256'],
    ['last_success_at', 'last_success_at'],
    ['id', 'id'],
  ])('%s -> %s', (key, expected) => expect(snakeCase(key)).toBe(expected));
});

describe('contractJson', () => {
  it('renames camelCase fields at every depth, in arrays too, keeping values and order', () => {
    expect(contractJson({ runId: 1, nested: { startedAt: 'x', list: [{ failureReason: null }, 3, 'lastStatus'] } })).toEqual({
      run_id: 1, nested: { started_at: 'x', list: [{ failure_reason: null }, 3, 'lastStatus'] },
    });
    expect(Object.keys(contractJson({ zLast: 1, aFirst: 2 }) as object)).toEqual(['z_last', 'a_first']);
  });

  it('never rewrites a key that is not a camelCase field name: data keys survive without a rule', () => {
    expect(contractJson({ BackupServer: 1, 'Sales Db': 2, 'pg-1': 3, already_snake: 4, HTTP: 5 })).toEqual({ BackupServer: 1, 'Sales Db': 2, 'pg-1': 3, already_snake: 4, HTTP: 5 });
  });

  it('keeps the keys of declared maps and converts their values', () => {
    const value = { byDatabase: { myDb: { lastRun: 1 } } };
    expect(contractJson(value, { maps: ['by_database'] })).toEqual({ by_database: { myDb: { last_run: 1 } } });
    expect(contractJson(value)).toEqual({ by_database: { my_db: { last_run: 1 } } });
  });

  it('keeps declared verbatim values whole (a spec as written), with * for array indexes', () => {
    const plan = { objectActions: [{ opName: 'create', after: { backupServer: 'b', scheduler: { cronFile: 'f' } } }] };
    expect(contractJson(plan, { verbatim: ['object_actions.*.after'] })).toEqual({
      object_actions: [{ op_name: 'create', after: { backupServer: 'b', scheduler: { cronFile: 'f' } } }],
    });
  });

  it('leaves dates and class instances to JSON.stringify and the printer', () => {
    const when = new Date(0);
    class Opaque {
      constructor(readonly innerField = 1) {}
    }
    const opaque = new Opaque();
    const out = contractJson({ startedAt: when, theThing: opaque }) as Record<string, unknown>;
    expect(out.started_at).toBe(when);
    expect(out.the_thing).toBe(opaque);
  });
});

describe('documents', () => {
  it('start with format_version and pgbackops_version', () => {
    expect(Object.keys(jsonDocument({ someField: 1 }, '9.9.9'))).toEqual(['format_version', 'pgbackops_version', 'some_field']);
    expect(jsonDocument({}, '9.9.9')).toEqual({ format_version: '1', pgbackops_version: '9.9.9' });
  });

  it("keep a body's own format_version (the plan's) in first place", () => {
    const doc = jsonDocument({ format_version: '7', pgbackops_version: '9.9.9', plan: {} }, '9.9.9');
    expect(Object.entries(doc).slice(0, 2)).toEqual([['format_version', '7'], ['pgbackops_version', '9.9.9']]);
  });

  it('an error is an object with a code and a message', () => {
    expect(errorDocument({ code: 'E_USAGE', message: 'bad' }, '9.9.9')).toEqual({ format_version: '1', pgbackops_version: '9.9.9', error: { code: 'E_USAGE', message: 'bad' } });
  });
});
