// normaliseBackup and normaliseSnapshot build their specs field by field (one pass, every definition of a fleet
// goes through them); the specs must stay what the earlier spread-and-compact form gave, key order included:
// JSON plans print the fields in that order and stored spec hashes depend on the values. The reference below
// is that earlier form, compared on inputs of every method with and without their optional fields.
import { describe, expect, it } from 'vitest';
import { normaliseBackup, normaliseRetention, normaliseSnapshot } from '../../../src/core/config/normalise.js';
import type { BackupInput, DumpInput, SnapshotInput } from '../../../src/core/config/input.js';
import { resolveHashedSchedule } from '../../../src/core/cron/expression.js';
import { effectiveEncryption } from '../../../src/core/encryption/encryption-config.js';
import { DEFAULT_BACKUP_METHOD, methodOf, type EncryptionSpec } from '../../../src/core/model.js';
import { methodRulesOf } from '../../../src/core/methods/registry.js';

function compact<T extends object>(spec: T): T {
  return Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)) as T;
}

function referenceDump(input: DumpInput, serverEncryption: EncryptionSpec | undefined): Record<string, unknown> {
  const method = methodOf(input);
  return compact({
    node: input.node,
    method: method === DEFAULT_BACKUP_METHOD ? undefined : method,
    ...methodRulesOf(method).normaliseOptions(input),
    timeout: input.timeout,
    encryption: effectiveEncryption(input.encryption, serverEncryption),
    offsite: input.offsite,
    remarks: input.remarks,
  });
}

function referenceBackup(input: BackupInput, name: string, serverTimezone: string, serverEncryption?: EncryptionSpec): unknown {
  const { node, databases, exclude, type, timeout, encryption, offsite, remarks, ...options } = referenceDump(input, serverEncryption);
  return compact({
    node, databases, exclude, type,
    schedule: input.schedule,
    resolvedSchedule: resolveHashedSchedule(input.schedule, name),
    timezone: input.timezone ?? serverTimezone,
    ...options,
    retention: typeof input.retention === 'string' ? input.retention : normaliseRetention(input.retention),
    enabled: input.enabled ?? true,
    timeout, rpo: input.rpo, notifiers: input.notifiers, encryption, offsite, remarks,
  });
}

const SERVER_ENCRYPTION: EncryptionSpec = { age: { recipients: ['age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq'] } };

const INPUTS: { label: string; input: Record<string, unknown> }[] = [
  { label: 'logical, nothing optional', input: { node: 'pg1', schedule: 'H 2 * * *', retention: 'standard' } },
  {
    label: 'logical, every option',
    input: {
      node: 'pg1', databases: ['app', 'ünïcode'], exclude: ['tmp'], type: 'full', format: 'directory', jobs: 4,
      compression: { method: 'zstd', level: 3 }, includeSchemas: ['public'], excludeSchemas: ['audit'],
      includeTables: ['public.t'], excludeTables: ['public.log'], extraArgs: ['--no-comments'],
      schedule: '30 H(1-5) * * 1-5', timezone: 'Europe/Paris', retention: { keepLast: 3, keepDaily: 7 },
      enabled: false, timeout: '2h', rpo: '26h', notifiers: ['ops'], encryption: 'none',
      offsite: { store: 's3', keepFor: '30d' }, remarks: 'the main one',
    },
  },
  { label: 'logical, compression method only', input: { node: 'pg1', compression: { method: 'gzip' }, schedule: '@daily', retention: 'r' } },
  { label: 'cluster dump', input: { node: 'pg1', type: 'cluster', schedule: '0 3 * * *', retention: 'r', encryption: SERVER_ENCRYPTION } },
  { label: 'plain format', input: { node: 'pg1', format: 'plain', schedule: '0 3 * * *', retention: 'r' } },
  {
    label: 'basebackup',
    input: { node: 'pg1', method: 'basebackup', compression: { method: 'lz4', level: 3 }, checkpoint: 'spread', maxRate: '100M', schedule: 'H H * * 0', retention: 'r', timeout: '6h' },
  },
  { label: 'basebackup, defaults', input: { node: 'pg1', method: 'basebackup', schedule: 'H H * * 0', retention: 'r' } },
  { label: 'pgbackrest', input: { node: 'pg1', method: 'pgbackrest', backupType: 'incr', schedule: 'H * * * *', retention: 'r', remarks: 'x' } },
];

describe('normaliseBackup and normaliseSnapshot agree with the spread-and-compact form', () => {
  for (const { label, input } of INPUTS) {
    for (const encryption of [undefined, SERVER_ENCRYPTION]) {
      it(`${label}${encryption ? ', server encryption' : ''}`, () => {
        const backup = normaliseBackup(input as unknown as BackupInput, 'db-1', 'UTC', encryption);
        // JSON text: key order and values both.
        expect(JSON.stringify(backup)).toBe(JSON.stringify(referenceBackup(input as unknown as BackupInput, 'db-1', 'UTC', encryption)));
        const { schedule: _s, timezone: _t, retention: _r, enabled: _e, rpo: _p, notifiers: _n, ...dump } = input;
        const snapshotInput = { ...dump, at: '2026-01-01T00:00:00Z', keepFor: '7d' } as unknown as SnapshotInput;
        const reference = compact({ ...referenceDump(snapshotInput, encryption), at: snapshotInput.at, startingDeadline: snapshotInput.startingDeadline, keepFor: snapshotInput.keepFor });
        expect(JSON.stringify(normaliseSnapshot(snapshotInput, encryption))).toBe(JSON.stringify(reference));
      });
    }
  }

  it('shares the frozen defaults without letting a spec change them', () => {
    const a = normaliseBackup(INPUTS[0]!.input as unknown as BackupInput, 'a', 'UTC') as unknown as { exclude: string[]; compression: object };
    const b = normaliseBackup(INPUTS[0]!.input as unknown as BackupInput, 'b', 'UTC') as unknown as { exclude: string[]; compression: object };
    expect(a.exclude).toBe(b.exclude);
    expect(() => a.exclude.push('x')).toThrow(TypeError);
    expect(Object.isFrozen(a.compression)).toBe(true);
  });
});
