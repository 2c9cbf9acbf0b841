// Valid configurations: what the normalised model looks like (defaults, H, macros, order, sources),
// and that the revision follows the content.
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readConfigDir } from '../../../src/adapters/config-dir.js';
import { specHash } from '../../../src/core/canonical.js';
import { loadSchema, SCHEMA_FILES } from '../../helpers/schemas.js';
import { configRevision, validateConfig, type ConfigFile } from '../../../src/core/config/validate.js';
import { KINDS, methodOf, type BackupServerSpec, type BackupSpec, type DesiredConfig, type DesiredObject, type NodeSpec } from '../../../src/core/model.js';
import { methodRulesOf } from '../../../src/core/methods/registry.js';

const VALID = fileURLToPath(new URL('../../fixtures/config/valid/', import.meta.url));
const temps: string[] = [];
afterAll(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

async function loadValid(name: string): Promise<{ config: DesiredConfig; files: ConfigFile[] }> {
  const read = await readConfigDir(join(VALID, name));
  expect(read.diagnostics).toEqual([]);
  const result = validateConfig(read.files);
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  expect(result.config).not.toBeNull();
  return { config: result.config!, files: read.files };
}

function find<T>(config: DesiredConfig, kind: DesiredObject['kind'], name: string): DesiredObject & { spec: T } {
  const found = config.objects.find((o) => o.kind === kind && o.name === name);
  expect(found, `${kind}/${name}`).toBeDefined();
  return found as DesiredObject & { spec: T };
}

describe('the example configuration the product started from (fixtures/valid/design)', () => {
  it('validates as written when the server runs pg_dump 16 (it asks for zstd)', async () => {
    const read = await readConfigDir(join(VALID, 'design'));
    const result = validateConfig(read.files, { pgDumpVersion: 16 });
    expect(result.diagnostics).toEqual([]);
    expect(result.config!.objects.map((o) => `${o.kind}/${o.name}`)).toEqual([
      'Retention/standard',
      'BackupServer/backup01',
      'Node/pg-orders',
      'Backup/orders-nightly',
    ]);
    const backup = find<BackupSpec>(result.config!, 'Backup', 'orders-nightly').spec;
    expect(backup.compression).toEqual({ method: 'zstd', level: 3 });
    expect(backup.jobs).toBe(4);
    expect(backup.resolvedSchedule).toBe('41 1 * * *');
  });

  it('is refused with pg_dump 15 (the default), with one precise error', async () => {
    const read = await readConfigDir(join(VALID, 'design'));
    const result = validateConfig(read.files);
    expect(result.config).toBeNull();
    expect(result.diagnostics.map((d) => [d.code, d.file, d.line, d.column, d.path])).toEqual([
      ['E_COMPRESSION_UNSUPPORTED', 'pgbackops.yaml', 35, 26, '/spec/compression/method'],
    ]);
  });
});

describe('normalisation', () => {
  it('fills every default of BackupServer', async () => {
    const { config } = await loadValid('defaults');
    expect(find<BackupServerSpec>(config, 'BackupServer', 'backup01').spec).toEqual({
      host: 'backup01.example.org',
      backupRoot: '/srv/pgbackops',
      scheduler: { type: 'cron.d', file: '/etc/cron.d/pgbackops', user: 'root' },
      timezone: 'UTC',
      maintenance: { enabled: true, schedule: 'H/15 * * * *' },
    });
    // crontab without user: the crontab of whoever runs pgbackops, so no user is invented.
    expect(find<BackupServerSpec>(config, 'BackupServer', 'backup-paris').spec.scheduler).toEqual({ type: 'crontab' });
    expect(find<BackupServerSpec>(config, 'BackupServer', 'backup-container').spec.scheduler).toEqual({ type: 'builtin' });
  });

  it('fills every default of Node', async () => {
    const { config } = await loadValid('defaults');
    expect(find<NodeSpec>(config, 'Node', 'pg-orders').spec).toEqual({
      host: 'pg-orders.example.org',
      port: 5432,
      user: 'postgres',
      maintenanceDatabase: 'postgres',
      status: 'running',
      backupServer: 'backup01',
    });
  });

  it('fills every default of Backup, resolving the schedule', async () => {
    const { config } = await loadValid('defaults');
    expect(find<BackupSpec>(config, 'Backup', 'orders-nightly').spec).toEqual({
      node: 'pg-orders',
      databases: ['orders'],
      exclude: [],
      type: 'full',
      schedule: '41 1 * * *',
      resolvedSchedule: '41 1 * * *',
      timezone: 'UTC',
      format: 'custom',
      jobs: 1,
      compression: { method: 'gzip', level: 6 },
      includeSchemas: [],
      excludeSchemas: [],
      includeTables: [],
      excludeTables: [],
      extraArgs: [],
      retention: 'standard',
      enabled: true,
    });
  });

  it('gives a cluster backup every database, plain format and gzip (its SQL piped through gzip); macros become five fields', async () => {
    const { config } = await loadValid('defaults');
    const spec = find<BackupSpec>(config, 'Backup', 'orders-cluster').spec;
    expect(spec.databases).toBe('all');
    expect(spec.format).toBe('plain');
    expect(spec.compression).toEqual({ method: 'gzip', level: 6 });
    expect(spec.schedule).toBe('@weekly');
    expect(spec.resolvedSchedule).toBe('0 0 * * 0');
  });

  it("takes the server's time zone, the method's default level, and normalises inline retention", async () => {
    const { config } = await loadValid('defaults');
    const spec = find<BackupSpec>(config, 'Backup', 'paris-all').spec;
    expect(spec.timezone).toBe('Europe/Paris');
    expect(spec.compression).toEqual({ method: 'zstd', level: 3 }); // pgDumpVersion 16 on backup-paris
    expect(spec.databases).toBe('all');
    expect(spec.exclude).toEqual(['scratch']);
    expect(spec.retention).toEqual({ keepWithin: '36h', keepFailedFor: '1w' });
    const [minute, hour, ...rest] = spec.resolvedSchedule.split(' ');
    expect(Number(minute)).toBeGreaterThanOrEqual(0);
    expect(Number(minute)).toBeLessThanOrEqual(59);
    expect(Number(hour)).toBeGreaterThanOrEqual(0);
    expect(Number(hour)).toBeLessThanOrEqual(5);
    expect(rest).toEqual(['*', '*', '*']);
  });

  it('resolves H/15 from the name, stable from one run to the next', async () => {
    const first = (await loadValid('defaults')).config;
    const second = (await loadValid('defaults')).config;
    const a = find<BackupSpec>(first, 'Backup', 'container-utc').spec.resolvedSchedule;
    expect(a).toMatch(/^([0-9]|1[0-4])-59\/15 \* \* \* \*$/);
    expect(find<BackupSpec>(second, 'Backup', 'container-utc').spec.resolvedSchedule).toBe(a);
    expect(second).toEqual(first);
  });

  it('agrees with the defaults the JSON Schemas declare (the documentation)', async () => {
    const { config } = await loadValid('defaults');
    const minimal: Record<string, DesiredObject> = {
      BackupServer: find(config, 'BackupServer', 'backup01'),
      Node: find(config, 'Node', 'pg-orders'),
      Backup: find(config, 'Backup', 'orders-nightly'),
    };
    let checked = 0;
    for (const [kind, object] of Object.entries(minimal)) {
      const schema = loadSchema(SCHEMA_FILES[kind as keyof typeof SCHEMA_FILES]);
      for (const [field, written] of Object.entries<{ default?: unknown; $ref?: string }>(schema.properties.spec.properties)) {
        // A method's own fields are in its part of the schema (#/definitions/<method>/properties/<field>).
        // Another method's fields (checkpoint of basebackup on a logical Backup) have no value in this spec.
        const owner = /^#\/definitions\/([a-z]+)\//.exec(written.$ref ?? '')?.[1];
        if (owner !== undefined && owner !== methodOf(object.spec as BackupSpec) && !methodRulesOf(methodOf(object.spec as BackupSpec)).fields.includes(field)) continue;
        const property = written.$ref?.startsWith('#/') ? jsonPointerIn(schema, written.$ref.slice(1)) : written;
        if (property.default === undefined) continue;
        // The default method is not written in a normalised spec (its hash stays that of a spec without it).
        const value = field === 'method' ? methodOf(object.spec as BackupSpec) : (object.spec as unknown as Record<string, unknown>)[field];
        expect(value, `${kind}.spec.${field}`).toEqual(property.default);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(16);
  });

  it('sorts objects by kind order, then name; hashes each spec; records where its name is written', async () => {
    const { config } = await loadValid('defaults');
    const keys = config.objects.map((o) => [KINDS.indexOf(o.kind), o.name] as const);
    const sorted = [...keys].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    expect(keys).toEqual(sorted);
    for (const o of config.objects) expect(o.hash).toBe(specHash(o.spec));
    expect(find(config, 'BackupServer', 'backup01').source).toEqual({ file: 'minimal.yaml', line: 6, column: 9 });
    expect(find(config, 'Backup', 'container-utc').source).toEqual({ file: 'minimal.yaml', line: 98, column: 9 });
  });

  it('gives optional fields that were not written no key at all (never null or undefined)', async () => {
    const { config } = await loadValid('defaults');
    const walk = (value: unknown, where: string): void => {
      expect(value, where).not.toBeNull();
      expect(value, where).not.toBeUndefined();
      if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, `${where}.${k}`);
    };
    for (const o of config.objects) walk(o.spec, `${o.kind}/${o.name}`);
  });
});

describe('directory layout', () => {
  it('reads .yaml and .yml files recursively, skips dot-files, dot-directories and other files', async () => {
    const { config, files } = await loadValid('layout');
    expect(files.map((f) => f.path)).toEqual(['servers.yml', 'teams/payments/payments.yaml']);
    expect(config.objects.map((o) => `${o.kind}/${o.name}`)).toEqual([
      'Retention/standard',
      'BackupServer/backup01',
      'Node/pg-payments',
      'Backup/payments-hourly',
      'Backup/payments-schema',
    ]);
    expect(find(config, 'Backup', 'payments-hourly').source).toEqual({ file: 'teams/payments/payments.yaml', line: 13, column: 9 });
  });

  it('skips a .git directory even when it holds broken YAML, and reads a symlinked file once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgbackops-layout-'));
    temps.push(dir);
    await cp(join(VALID, 'layout'), dir, { recursive: true });
    await mkdir(join(dir, '.git'));
    await writeFile(join(dir, '.git', 'config.yaml'), 'this: [is not: yaml\n');
    await symlink('servers.yml', join(dir, 'servers-link.yaml'));
    const read = await readConfigDir(dir);
    expect(read.files.map((f) => f.path)).toEqual(['servers-link.yaml', 'teams/payments/payments.yaml']);
    expect(read.diagnostics.map((d) => [d.code, d.file, d.severity])).toEqual([['W_SYMLINK_DUPLICATE', 'servers.yml', 'warning']]);
    expect(validateConfig(read.files).config).not.toBeNull();
  });

  it('follows a symlink to a directory outside the config dir', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'pgbackops-outside-'));
    const dir = await mkdtemp(join(tmpdir(), 'pgbackops-linked-'));
    temps.push(outside, dir);
    await cp(join(VALID, 'layout', 'teams'), join(outside, 'teams'), { recursive: true });
    await cp(join(VALID, 'layout', 'servers.yml'), join(dir, 'servers.yml'));
    await symlink(join(outside, 'teams'), join(dir, 'teams'));
    const { files } = await readConfigDir(dir);
    expect(files.map((f) => f.path)).toEqual(['servers.yml', 'teams/payments/payments.yaml']);
    expect(validateConfig(files).config).not.toBeNull();
  });

  it('drops a UTF-8 byte order mark', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgbackops-bom-'));
    temps.push(dir);
    await writeFile(join(dir, 'retention.yaml'), '\uFEFFapiVersion: pgbackops/v1\nkind: Retention\nmetadata: { name: standard }\nspec: { keepLast: 1 }\n');
    const { files, diagnostics } = await readConfigDir(dir);
    expect(diagnostics).toEqual([]);
    expect(files[0]!.text.startsWith('apiVersion')).toBe(true);
    expect(validateConfig(files).config!.objects[0]!.source).toEqual({ file: 'retention.yaml', line: 3, column: 19 });
  });
});

describe('revision', () => {
  const files: ConfigFile[] = [
    { path: 'a.yaml', text: 'apiVersion: pgbackops/v1\nkind: Retention\nmetadata: { name: a }\nspec: { keepLast: 1 }\n' },
    { path: 'b/c.yaml', text: 'apiVersion: pgbackops/v1\nkind: Retention\nmetadata: { name: c }\nspec: { keepLast: 2 }\n' },
  ];

  it('is the one validateConfig reports', () => {
    expect(validateConfig(files).config!.revision).toBe(configRevision(files));
    expect(configRevision(files)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not depend on the order the files are given in', () => {
    expect(configRevision([...files].reverse())).toBe(configRevision(files));
  });

  it('changes when any content changes, even a comment or a space', () => {
    const base = configRevision(files);
    expect(configRevision([files[0]!, { ...files[1]!, text: files[1]!.text + '# note\n' }])).not.toBe(base);
    expect(configRevision([files[0]!, { ...files[1]!, text: files[1]!.text.replace('keepLast: 2', 'keepLast:  2') }])).not.toBe(base);
  });

  it('changes when a file is renamed, added or removed, and not when path and text trade places', () => {
    const base = configRevision(files);
    expect(configRevision([files[0]!, { ...files[1]!, path: 'b/d.yaml' }])).not.toBe(base);
    expect(configRevision([files[0]!])).not.toBe(base);
    expect(configRevision([...files, { path: 'empty.yaml', text: '' }])).not.toBe(base);
    // Unambiguous encoding: moving text between the path and the content changes the hash.
    expect(configRevision([{ path: 'x', text: 'yz' }])).not.toBe(configRevision([{ path: 'xy', text: 'z' }]));
  });
});

describe('warnings', () => {
  it('are reported but do not block the configuration', () => {
    const text = `apiVersion: pgbackops/v1
kind: BackupServer
metadata: { name: backup01 }
spec: { host: backup01.example.org, backupRoot: /srv/pgbackops }
---
apiVersion: pgbackops/v1
kind: Node
metadata: { name: pg-orders }
spec: { host: pg-orders.example.org, backupServer: backup01 }
---
apiVersion: pgbackops/v1
kind: Backup
metadata: { name: orders }
spec:
  node: pg-orders
  databases: [all]
  exclude: [scratch]
  schedule: "0 1 * * *"
  retention: { keepLast: 2 }
`;
    const result = validateConfig([{ path: 'all.yaml', text }]);
    expect(result.config).not.toBeNull();
    expect(result.diagnostics.map((d) => [d.code, d.severity, d.line, d.column])).toEqual([
      ['W_DATABASES_LIST_ALL', 'warning', 16, 14],
      ['W_EXCLUDE_IGNORED', 'warning', 17, 3],
    ]);
  });
});

function jsonPointerIn(schema: unknown, pointer: string): { default?: unknown } {
  return pointer.split("/").filter(Boolean).reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], schema) as { default?: unknown };
}
