// The JSON Schemas in schemas/ as JSON values, for tests that check them against the generated validators,
// the documentation and the method rules. The product never reads them at run time: it validates with the
// validators generated from them (src/core/config/schemas.ts).
import { readFileSync } from 'node:fs';
import type { AnySchemaObject } from 'ajv';
import { packagePath } from '../../src/adapters/fs/package-files.js';
import type { Kind } from '../../src/core/model.js';

/** File name of each kind's schema; the names are also how schemas refer to each other. */
export const SCHEMA_FILES: Readonly<Record<Kind, string>> = {
  Retention: 'retention.schema.json',
  Notifier: 'notifier.schema.json',
  ObjectStore: 'objectstore.schema.json',
  BackupServer: 'backupserver.schema.json',
  Node: 'node.schema.json',
  Backup: 'backup.schema.json',
  Snapshot: 'snapshot.schema.json',
  Restore: 'restore.schema.json',
};
export const COMBINED_SCHEMA_FILE = 'pgbackops.schema.json';

/** A schema as a JSON value. schemas/ sits at the package root, outside tsc's rootDir. */
export function loadSchema(file: string): AnySchemaObject {
  return JSON.parse(readFileSync(packagePath('schemas', file), 'utf8')) as AnySchemaObject;
}
