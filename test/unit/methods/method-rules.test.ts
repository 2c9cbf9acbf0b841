// The pure half of the method seam: `method:` in the configuration, the registry of method rules, and the
// dependencies retention must respect.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSchema } from '../../helpers/schemas.js';
import { validateConfig } from '../../../src/core/config/validate.js';
import { isBackupMethod, methodRulesOf } from '../../../src/core/methods/registry.js';
import { neededByKept } from '../../../src/core/methods/retention-dependencies.js';
import { BACKUP_METHODS, DEFAULT_BACKUP_METHOD, methodOf, type DesiredObject } from '../../../src/core/model.js';

// A BackupServer, the Node pg-orders and a Retention: the valid part of the method-unknown case of the corpus.
const BASE = readFileSync(fileURLToPath(new URL('../../fixtures/config/invalid/method-unknown/base.yaml', import.meta.url)), 'utf8');

function objects(definitions: string): DesiredObject[] {
  const result = validateConfig([{ path: 'base.yaml', text: BASE }, { path: 'definitions.yaml', text: definitions }]);
  expect(result.diagnostics).toEqual([]);
  return result.config!.objects;
}

function definitions(method: string): string {
  return `apiVersion: pgbackops/v1
kind: Backup
metadata: { name: orders-nightly }
spec:
  node: pg-orders
${method}  databases: [orders]
  schedule: "41 1 * * *"
  format: directory
  jobs: 2
  retention: { keepLast: 3 }
---
apiVersion: pgbackops/v1
kind: Snapshot
metadata: { name: orders-before-upgrade }
spec:
  node: pg-orders
${method}  databases: all
  type: cluster
  keepFor: 30d
`;
}

describe('method: in the configuration', () => {
  it('a Backup and a Snapshot with method: logical are the same specs, with the same hashes, as without it', () => {
    const without = objects(definitions(''));
    const explicit = objects(definitions('  method: logical\n'));
    // Only where the second document starts moved (one line further down).
    const identity = (list: DesiredObject[]) => list.map(({ kind, name, spec, hash }) => ({ kind, name, spec, hash }));
    expect(identity(explicit)).toEqual(identity(without));
    for (const o of without.filter((x) => x.kind === 'Backup' || x.kind === 'Snapshot')) {
      // The default method is not part of the hashed spec: catalogs written before methods existed plan no change.
      expect(o.spec).not.toHaveProperty('method');
      expect(methodOf(o.spec as { method?: undefined })).toBe('logical');
    }
  });

  it('an unknown method is E_METHOD_UNKNOWN at its value, naming the methods there are', () => {
    const result = validateConfig([{ path: 'base.yaml', text: BASE }, { path: 'definitions.yaml', text: definitions('  method: logicl\n') }]);
    expect(result.config).toBeNull();
    expect(result.diagnostics.map((d) => [d.code, d.line, d.column, d.path])).toEqual([
      ['E_METHOD_UNKNOWN', 6, 11, '/spec/method'],
      ['E_METHOD_UNKNOWN', 18, 11, '/spec/method'],
    ]);
    expect(result.diagnostics[0]!.message).toBe('spec.method is "logicl"; allowed: logical, basebackup, pgbackrest (did you mean "logical"?)');
  });
});

describe('method registry (pure rules)', () => {
  it('has rules for every method the model lists, under its own name; anything else is not a method', () => {
    for (const name of BACKUP_METHODS) {
      expect(isBackupMethod(name)).toBe(true);
      expect(methodRulesOf(name).name).toBe(name);
    }
    expect(BACKUP_METHODS).toContain(DEFAULT_BACKUP_METHOD);
    for (const other of ['', 'Logical', 'barman', 'toString', '__proto__', null, 1]) expect(isBackupMethod(other)).toBe(false);
  });

  it('the schemas list exactly these methods, each with its own part holding exactly the fields its rules own', () => {
    const backup = loadSchema('backup.schema.json');
    expect(backup.properties.spec.properties.method.enum).toEqual([...BACKUP_METHODS]);
    expect(backup.properties.spec.properties.method.default).toBe(DEFAULT_BACKUP_METHOD);
    expect(Object.keys(backup.definitions)).toEqual([...BACKUP_METHODS]);
    const snapshot = loadSchema('snapshot.schema.json');
    // A field several methods share (compression) is described once, by the first method that has it; the
    // others' parts refer to that description.
    const firstOwner = new Map<string, string>();
    for (const name of BACKUP_METHODS) {
      const fields = Object.keys(backup.definitions[name].properties);
      expect(fields).toEqual([...methodRulesOf(name).fields]);
      for (const field of fields) {
        const owner = firstOwner.get(field) ?? name;
        firstOwner.set(field, owner);
        if (owner !== name) expect(backup.definitions[name].properties[field]).toEqual({ $ref: `#/definitions/${owner}/properties/${field}` });
        expect(backup.properties.spec.properties[field]).toEqual({ $ref: `#/definitions/${owner}/properties/${field}` });
        expect(snapshot.properties.spec.properties[field]).toEqual({ $ref: `backup.schema.json#/definitions/${owner}/properties/${field}` });
      }
    }
  });

  it('logical backups stand alone: retention keeps nothing for another backup\'s sake', () => {
    expect(methodRulesOf('logical').retention).toEqual({ kind: 'standalone' });
  });
});

describe('dependencies between backups (for the methods that have them)', () => {
  // A pgBackRest-like chain: full F1 <- diff D1 <- incr I1 <- incr I2, and a newer full F2 <- incr I3.
  const chain = [
    { backup: 'D1', needs: 'F1' },
    { backup: 'I1', needs: 'D1' },
    { backup: 'I2', needs: 'I1' },
    { backup: 'I3', needs: 'F2' },
  ];

  it('keeps every backup a kept backup needs, through the whole chain', () => {
    expect([...neededByKept(new Set(['F1', 'D1', 'I1']), chain)].sort()).toEqual(['D1', 'F1', 'I1']);
  });

  it('lets a chain expire when nothing kept needs it', () => {
    expect(neededByKept(new Set(['F1', 'D1', 'I1', 'I2']), chain)).toEqual(new Set());
    expect([...neededByKept(new Set(['F1', 'D1', 'I1', 'I2', 'F2']), chain)].sort()).toEqual(['F2']);
  });

  it('keeps nothing extra when there are no dependencies (logical)', () => {
    expect(neededByKept(new Set(['a', 'b']), [])).toEqual(new Set());
  });
});
