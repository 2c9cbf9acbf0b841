// The JSON Schemas in schemas/ (the public contract, also used by editors) and the validators compiled from
// them. The validators are ajv's standalone code, generated at development time into
// generated/kind-validators.ts by scripts/gen-validators.mjs (a unit test fails while it is out of date), so
// that no process loads ajv or compiles a schema to validate a configuration. (Tests read the schemas
// themselves through test/helpers/schemas.ts.)
import type { ErrorObject, ValidateFunction } from 'ajv';
import * as generated from './generated/kind-validators.js';
import type { Kind } from '../model.js';

/** The validator of each kind: called with a document, it returns whether it is valid and sets `.errors`. */
export function kindValidators(): Readonly<Record<Kind, ValidateFunction>> {
  return generated as unknown as Record<Kind, ValidateFunction>;
}

export type SchemaError = ErrorObject;
