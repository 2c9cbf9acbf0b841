// The JSON Schemas in schemas/ (the public contract, also used by editors), compiled once with ajv.
import { readFileSync } from 'node:fs';
import { Ajv, type AnySchemaObject, type ErrorObject, type ValidateFunction } from 'ajv';
import { packagePath } from '../../adapters/fs/package-files.js';
import type { Kind } from '../model.js';

// schemas/ sits at the package root, outside tsc's rootDir: the schemas are read once, when first needed,
// rather than compiled in, so that the files editors use are the very ones validation uses.

/** File name of each kind's schema; the names are also how schemas refer to each other. */
export const SCHEMA_FILES: Readonly<Record<Kind, string>> = {
  Retention: 'retention.schema.json',
  BackupServer: 'backupserver.schema.json',
  Node: 'node.schema.json',
  Backup: 'backup.schema.json',
  Snapshot: 'snapshot.schema.json',
  Restore: 'restore.schema.json',
};
export const COMBINED_SCHEMA_FILE = 'pgbackops.schema.json';

/** Keywords our schemas carry for editors (VS Code shows patternErrorMessage) that ajv must accept. */
const EDITOR_KEYWORDS = ['patternErrorMessage'];

export function loadSchema(file: string): AnySchemaObject {
  return JSON.parse(readFileSync(packagePath('schemas', file), 'utf8')) as AnySchemaObject;
}

let validators: Readonly<Record<Kind, ValidateFunction>> | undefined;

/** Compiled validators by kind, built on first use (compiling costs a few tens of milliseconds). */
export function kindValidators(): Readonly<Record<Kind, ValidateFunction>> {
  if (validators) return validators;
  const ajv = new Ajv({
    allErrors: true, // every problem at once, not the first one
    verbose: true, // errors carry their schema, so messages can quote descriptions and allowed values
    allowUnionTypes: true, // `databases: all | [names]`, `retention: name | {rules}`
    strictTypes: false, // retentionRules applies object keywords without `type` so it can sit under a union
    // Skipping ajv's code optimisation halves compile time (~250 -> ~110 ms, paid by every CLI run) and did
    // not measurably slow validation of 10,000 documents.
    code: { optimize: false },
  });
  ajv.addVocabulary(EDITOR_KEYWORDS);
  for (const file of [COMBINED_SCHEMA_FILE, ...Object.values(SCHEMA_FILES)]) ajv.addSchema(loadSchema(file), file);
  const compiled = {} as Record<Kind, ValidateFunction>;
  for (const [kind, file] of Object.entries(SCHEMA_FILES) as [Kind, string][]) {
    compiled[kind] = ajv.getSchema(file)!;
  }
  validators = compiled;
  return compiled;
}

export type SchemaError = ErrorObject;
