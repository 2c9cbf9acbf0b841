// The JSON Schemas in schemas/ (the public contract, also used by editors) and the validators compiled from
// them. The validators are ajv's standalone code, generated at development time into
// generated/kind-validators.ts by scripts/gen-validators.mjs (a unit test fails while it is out of date), so
// that no process loads ajv or compiles a schema to validate a configuration.
import { readFileSync } from 'node:fs';
import type { AnySchemaObject, ErrorObject, ValidateFunction } from 'ajv';
import { packagePath } from '../../adapters/fs/package-files.js';
import * as generated from './generated/kind-validators.js';
import type { Kind } from '../model.js';

/** File name of each kind's schema; the names are also how schemas refer to each other. */
export const SCHEMA_FILES: Readonly<Record<Kind, string>> = {
  Retention: 'retention.schema.json',
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

/** The validator of each kind: called with a document, it returns whether it is valid and sets `.errors`. */
export function kindValidators(): Readonly<Record<Kind, ValidateFunction>> {
  return generated as unknown as Record<Kind, ValidateFunction>;
}

export type SchemaError = ErrorObject;
