// The configuration schemas under Ajv's strict mode, and `pgbackops schema --bundle`
// (src/core/config/schema-bundle.ts): one self-contained schema with an $id that accepts the examples and the
// valid corpus and refuses what the per-file schemas refuse.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { bundleSchemas, type SchemaFiles } from '../../../src/core/config/schema-bundle.js';
import { KINDS } from '../../../src/core/model.js';

const SCHEMAS = fileURLToPath(new URL('../../../schemas/', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../../examples/quickstart/', import.meta.url));
const COMBINED = 'pgbackops.schema.json';
const KIND_FILES = Object.fromEntries(KINDS.map((k) => [k, `${k.toLowerCase()}.schema.json`]));

function files(): SchemaFiles {
  return Object.fromEntries([COMBINED, ...Object.values(KIND_FILES)].map((f) => [f, JSON.parse(readFileSync(join(SCHEMAS, f), 'utf8')) as Record<string, unknown>]));
}

/** Strict mode; the one keyword of ours (for VS Code's messages) declared; union types allowed explicitly. */
function strictAjv(): Ajv {
  const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true });
  ajv.addKeyword('patternErrorMessage');
  return ajv;
}

function exampleDocuments(): Array<{ file: string; doc: unknown }> {
  return readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')).flatMap((file) =>
    parseAllDocuments(readFileSync(join(EXAMPLES, file), 'utf8')).map((d) => ({ file, doc: d.toJS() as unknown })));
}

describe('the configuration schemas', () => {
  it('compile under Ajv strict mode, each file with the others', () => {
    const ajv = strictAjv();
    for (const [name, schema] of Object.entries(files())) ajv.addSchema(schema, name);
    for (const name of Object.keys(files())) expect(() => ajv.getSchema(name), name).not.toThrow();
  });
});

describe('schema --bundle', () => {
  const bundle = bundleSchemas(files(), COMBINED, KIND_FILES, 'urn:pgbackops:schema:config:test');

  it('is self-contained: an $id, every kind inside, no $ref to another file', () => {
    expect(bundle.$id).toBe('urn:pgbackops:schema:config:test');
    expect(Object.keys(bundle.definitions as object)).toEqual(expect.arrayContaining([...KINDS, 'metadata']));
    const refs = [...JSON.stringify(bundle).matchAll(/"\$ref":"([^"]*)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) expect(ref).toMatch(/^#\//);
    expect(JSON.stringify(bundle.definitions)).not.toContain('"$schema"');
  });

  it('compiles under Ajv strict mode on its own and accepts the examples', () => {
    const validate = strictAjv().compile(bundle);
    const examples = exampleDocuments();
    expect(examples.length).toBeGreaterThan(5);
    for (const { file, doc } of examples) expect(validate(doc), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
  });

  it('refuses what the per-file schemas refuse', () => {
    const validate = strictAjv().compile(bundle);
    const backup = exampleDocuments().map((e) => e.doc as Record<string, any>).find((d) => d.kind === 'Backup')!;
    expect(validate({ ...backup, metadata: { name: 'Not_A_Name' } })).toBe(false);
    expect(validate({ ...backup, spec: { ...backup.spec, retention: { keepLast: 'three' } } })).toBe(false);
    expect(validate({ ...backup, spec: { ...backup.spec, frobnicate: true } })).toBe(false);
    expect(validate({ ...backup, kind: 'Backupp' })).toBe(false);
  });
});
