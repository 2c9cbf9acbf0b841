// Small hand-built desired/actual objects for planner unit tests.
import { specHash } from '../../../src/core/canonical.js';
import type { DesiredObject, Kind } from '../../../src/core/model.js';
import type { ActualObject } from '../../../src/core/objects.js';

export function desiredObject(kind: Kind, name: string, spec: Record<string, unknown>): DesiredObject {
  return { kind, name, spec: spec as never, hash: specHash(spec), source: { file: 'test.yaml', line: 1, column: 1 } };
}

export function actualOf(objects: readonly DesiredObject[]): ActualObject[] {
  return objects.map(({ kind, name, spec, hash }) => ({ kind, name, spec, hash }) as ActualObject);
}

export function server(name: string) {
  return desiredObject('BackupServer', name, { host: `${name}.example.org`, backupRoot: '/srv/pgbackops', scheduler: { type: 'cron.d', file: '/etc/cron.d/pgbackops', user: 'root' }, timezone: 'UTC' });
}

export function node(name: string, backupServer: string, extra: Record<string, unknown> = {}) {
  return desiredObject('Node', name, { host: `${name}.example.org`, port: 5432, user: 'postgres', maintenanceDatabase: 'postgres', status: 'running', backupServer, ...extra });
}

export function retention(name: string) {
  return desiredObject('Retention', name, { keepLast: 2, keepDaily: 7 });
}

export function backup(name: string, nodeName: string, extra: Record<string, unknown> = {}) {
  return desiredObject('Backup', name, {
    node: nodeName, databases: ['app'], exclude: [], type: 'full', schedule: '41 1 * * *', resolvedSchedule: '41 1 * * *',
    timezone: 'UTC', format: 'custom', jobs: 1, compression: { method: 'gzip', level: 6 }, includeSchemas: [], excludeSchemas: [],
    includeTables: [], excludeTables: [], extraArgs: [], retention: 'standard', enabled: true, ...extra,
  });
}

export function fleet(definitions: number) {
  const objects: DesiredObject[] = [retention('standard'), server('backup01'), node('pg1', 'backup01')];
  for (let i = 0; i < definitions; i++) objects.push(backup(`def-${String(i).padStart(3, '0')}`, 'pg1'));
  return objects;
}
