// The JSON Schemas in schemas/ as JSON values, for tests that check them against the generated validators,
// the documentation and the method rules. The product never reads them at run time: it validates with the
// validators generated from them (src/core/config/schemas.ts).
import { readFileSync } from 'node:fs';
import type { AnySchemaObject } from 'ajv';
import { packagePath } from '../../src/adapters/fs/package-files.js';

/** File name of each kind's schema (one table with the generators: scripts/schema-files.mjs), and the combined one. */
export { COMBINED_SCHEMA_FILE, KIND_SCHEMA_FILES as SCHEMA_FILES } from '../../scripts/schema-files.mjs';

/** A schema as a JSON value. schemas/ sits at the package root, outside tsc's rootDir. */
export function loadSchema(file: string): AnySchemaObject {
  return JSON.parse(readFileSync(packagePath('schemas', file), 'utf8')) as AnySchemaObject;
}
