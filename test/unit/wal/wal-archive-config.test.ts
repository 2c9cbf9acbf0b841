// A Node's walArchive as written -> its normalised spec, and the rules with their codes and positions.
import { describe, expect, it } from 'vitest';
import { validateConfig, type ConfigFile } from '../../../src/core/config/validate.js';
import { sizeInBytes } from '../../../src/core/config/size.js';
import { walArchiveServerOf, type NodeSpec } from '../../../src/core/model.js';

const server = (name: string) => `apiVersion: pgbackops/v1
kind: BackupServer
metadata: { name: ${name} }
spec: { host: ${name}.example.org, backupRoot: /var/lib/pgbackops/backups, scheduler: { type: builtin } }
`;
const node = (name: string, walArchive: string, extra = '') => `apiVersion: pgbackops/v1
kind: Node
metadata: { name: ${name} }
spec:
  host: db.example.org
  backupServer: backup01${extra}
  walArchive: ${walArchive}
`;

function validate(docs: string[]) {
  const files: ConfigFile[] = docs.map((text, i) => ({ path: `f${i}.yaml`, text }));
  return validateConfig(files);
}

describe('walArchive', () => {
  it('is normalised with its defaults and the size in bytes', () => {
    const r = validate([server('backup01'), node('pg1', '{ enabled: true, slot: pgbackops_pg1, maxSlotRetainedBytes: 20GB }')]);
    expect(r.diagnostics).toEqual([]);
    const spec = r.config!.objects.find((o) => o.kind === 'Node')!.spec as NodeSpec;
    expect(spec.walArchive).toEqual({ enabled: true, slot: 'pgbackops_pg1', compression: 'none', maxSlotRetainedBytes: 20 * 1024 ** 3 });
    expect(walArchiveServerOf(spec)).toBe('backup01');
  });

  it('leaves the spec (and its hash) of a node without it as before', () => {
    const r = validate([server('backup01'), node('pg1', '{ enabled: true, slot: s1 }').replace(/ {2}walArchive.*\n/, '')]);
    const spec = r.config!.objects.find((o) => o.kind === 'Node')!.spec as NodeSpec;
    expect('walArchive' in spec).toBe(false);
  });

  it('is received by walArchive.server when given, which must exist', () => {
    const ok = validate([server('backup01'), server('archive01'), node('pg1', '{ enabled: true, slot: s1, server: archive01 }')]);
    expect(ok.diagnostics).toEqual([]);
    expect(walArchiveServerOf(ok.config!.objects.find((o) => o.kind === 'Node')!.spec as NodeSpec)).toBe('archive01');
    const bad = validate([server('backup01'), node('pg1', '{ enabled: true, slot: s1, server: archive02 }')]);
    expect(bad.diagnostics.map((d) => [d.code, d.path, d.line])).toEqual([['E_REF_UNKNOWN_SERVER', '/spec/walArchive/server', 7]]);
    expect(bad.config).toBeNull();
  });

  it.each([
    ['Upper', 'E_SCHEMA_PATTERN'],
    ['with-dash', 'E_SCHEMA_PATTERN'],
    ['a'.repeat(64), 'E_SCHEMA_RANGE'],
  ])('refuses the slot name %s as PostgreSQL would', (slot, code) => {
    const r = validate([server('backup01'), node('pg1', `{ enabled: true, slot: ${slot} }`)]);
    expect(r.diagnostics.map((d) => [d.code, d.path])).toEqual([[code, '/spec/walArchive/slot']]);
  });

  it('accepts 63 characters, digits and underscores', () => {
    expect(validate([server('backup01'), node('pg1', `{ enabled: true, slot: ${'a_1'.repeat(21)} }`)]).diagnostics).toEqual([]);
  });

  it('refuses sizes PostgreSQL would not read, and compressions pg_receivewal lacks', () => {
    const size = validate([server('backup01'), node('pg1', '{ enabled: true, slot: s1, maxSlotRetainedBytes: 20G }')]);
    expect(size.diagnostics.length).toBeGreaterThan(0);
    expect(size.config).toBeNull();
    const zstd = validate([server('backup01'), node('pg1', '{ enabled: true, slot: s1, compression: zstd }')]);
    expect(zstd.diagnostics.map((d) => d.code)).toEqual(['E_SCHEMA_ENUM']);
  });

  it('refuses two archives of one PostgreSQL server through one slot, pointing at the second', () => {
    const r = validate([server('backup01'), node('pg1', '{ enabled: true, slot: s1 }') + '---\n' + node('pg2', '{ enabled: true, slot: s1 }')]);
    expect(r.diagnostics.map((d) => [d.code, d.path, d.line])).toEqual([['E_WAL_SLOT_DUPLICATE', '/spec/walArchive/slot', 15]]);
    expect(r.diagnostics[0]!.message).toMatch(/Node "pg1" \(f1.yaml:3\) already archives/);
    // Another port is another cluster.
    expect(validate([server('backup01'), node('pg1', '{ enabled: true, slot: s1 }') + '---\n' + node('pg2', '{ enabled: true, slot: s1 }', '\n  port: 5433')]).diagnostics).toEqual([]);
  });
});

describe('sizes', () => {
  it.each([[1, 1], ['1kB', 1024], ['16MB', 16 * 1024 ** 2], ['2TB', 2 * 1024 ** 4]] as const)('%s', (text, bytes) => {
    expect(sizeInBytes(text)).toBe(bytes);
  });
  it('throws on other forms', () => expect(() => sizeInBytes('1 GB')).toThrow(/not a size/));
});
