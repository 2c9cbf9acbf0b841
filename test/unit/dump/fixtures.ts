// Specs for the dump unit tests: a Node and a Backup with the normaliser's defaults, overridable.
import type { BackupSpec, NodeSpec } from '../../../src/core/model.js';

export function node(over: Partial<NodeSpec> = {}): NodeSpec {
  return {
    host: 'pg1.example.org',
    port: 5432,
    user: 'backup',
    maintenanceDatabase: 'postgres',
    status: 'running',
    backupServer: 'backup01',
    ...over,
  };
}

export function backup(over: Partial<BackupSpec> = {}): BackupSpec {
  return {
    node: 'pg1',
    databases: ['app'],
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
    ...over,
  };
}
