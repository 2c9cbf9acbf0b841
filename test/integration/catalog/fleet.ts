// A synthetic fleet as catalog changes: servers, nodes, a shared retention and backup definitions, with specs
// shaped like the normalised model (src/core/model.ts).
import { specHash } from '../../../src/core/canonical.js';
import type { BackupServerSpec, BackupSpec, Kind, NodeSpec, RetentionSpec } from '../../../src/core/model.js';
import type { CatalogChange } from '../../../src/adapters/catalog/catalog.js';

export function serverSpec(i: number): BackupServerSpec {
  return { host: `backup${i}.example.org`, backupRoot: '/srv/pgbackops', scheduler: { type: 'cron.d' }, timezone: 'UTC' };
}

export function nodeSpec(i: number, server: string, status: NodeSpec['status'] = 'running'): NodeSpec {
  return { host: `pg${i}.example.org`, port: 5432, user: 'postgres', maintenanceDatabase: 'postgres', status, backupServer: server };
}

export function retentionSpec(): RetentionSpec {
  return { keepWithin: '7d', keepLast: 2, keepDaily: 7, keepWeekly: 4, keepMonthly: 12 };
}

export function backupSpec(i: number, node: string, overrides: Partial<BackupSpec> = {}): BackupSpec {
  return {
    node,
    databases: [`db${i}`],
    exclude: [],
    type: 'full',
    schedule: 'H 1 * * *',
    resolvedSchedule: `${i % 60} 1 * * *`,
    timezone: 'UTC',
    format: 'directory',
    jobs: 2,
    compression: { method: 'zstd', level: 3 },
    includeSchemas: [],
    excludeSchemas: [],
    includeTables: [],
    excludeTables: [],
    extraArgs: [],
    retention: 'standard',
    enabled: true,
    ...overrides,
  };
}

export function create(kind: Kind, name: string, spec: unknown): CatalogChange {
  return { op: 'create', kind, name, spec, hash: specHash(spec) };
}

export function update(kind: Kind, name: string, spec: unknown): CatalogChange {
  return { op: 'update', kind, name, spec, hash: specHash(spec) };
}

/** `definitions` backups over definitions/10 nodes (at least 1) over up to 10 servers, one retention. */
export function fleet(definitions: number): CatalogChange[] {
  const nodes = Math.max(1, Math.floor(definitions / 10));
  const servers = Math.min(10, nodes);
  const changes: CatalogChange[] = [create('Retention', 'standard', retentionSpec())];
  for (let s = 0; s < servers; s++) changes.push(create('BackupServer', `backup-${s}`, serverSpec(s)));
  for (let n = 0; n < nodes; n++) changes.push(create('Node', `pg-${n}`, nodeSpec(n, `backup-${n % servers}`)));
  for (let d = 0; d < definitions; d++) changes.push(create('Backup', `def-${d}`, backupSpec(d, `pg-${d % nodes}`)));
  return changes;
}
