// The schemas are the public contract and the docs are generated from them: check that they compile,
// that they describe every field, that their examples are valid, and that the docs are current.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { execa } from 'execa';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readConfigDir } from '../../../src/adapters/config-dir.js';
import { DIAGNOSTIC_CODES } from '../../../src/core/config/codes.js';
import { COMBINED_SCHEMA_FILE, loadSchema, SCHEMA_FILES } from '../../helpers/schemas.js';
import { validateConfig } from '../../../src/core/config/validate.js';
import { KINDS } from '../../../src/core/model.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ALL_FILES = [COMBINED_SCHEMA_FILE, ...Object.values(SCHEMA_FILES)];

function combinedValidator() {
  // A plain ajv, as an editor or another tool would use it: only the keywords editors know are added.
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strictTypes: false });
  ajv.addVocabulary(['patternErrorMessage']);
  for (const file of ALL_FILES) ajv.addSchema(loadSchema(file), file);
  return ajv.getSchema(COMBINED_SCHEMA_FILE)!;
}

describe('JSON Schemas', () => {
  it('compile, and the combined schema tells documents apart by kind', async () => {
    const validate = combinedValidator();
    const text = await readFile(`${ROOT}test/fixtures/config/valid/defaults/minimal.yaml`, 'utf8');
    const docs = parseAllDocuments(text).map((d) => d.toJS());
    expect(docs.length).toBe(11);
    for (const doc of docs) expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...docs[0], kind: 'Snapshot' })).toBe(false);
    expect(validate({ ...docs[0], spec: { ...docs[0].spec, hots: 'x' } })).toBe(false);
  });

  it('describe every field, with draft-07 and no $id (so relative $refs resolve next to the file)', () => {
    const missing: string[] = [];
    const walk = (schema: Record<string, unknown>, where: string): void => {
      for (const [name, property] of Object.entries((schema.properties ?? {}) as Record<string, Record<string, unknown>>)) {
        if (!property.description && !property.$ref) missing.push(`${where}.${name}`);
        walk(property, `${where}.${name}`);
      }
      for (const [name, def] of Object.entries((schema.definitions ?? {}) as Record<string, Record<string, unknown>>)) walk(def, `${where}#${name}`);
    };
    for (const file of ALL_FILES) {
      const schema = loadSchema(file);
      expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
      expect(schema.$id).toBeUndefined();
      walk(schema, file);
    }
    expect(missing).toEqual([]);
  });

  it("have examples that form a valid configuration together", () => {
    const text = KINDS.map((kind) => JSON.stringify(loadSchema(SCHEMA_FILES[kind]).examples[0])).join('\n---\n');
    const result = validateConfig([{ path: 'examples.yaml', text }], { pgDumpVersion: 16 });
    expect(result.diagnostics).toEqual([]);
    expect(result.config!.objects).toHaveLength(KINDS.length);
  });

  it('accept the project examples (examples/*) when there are any', async () => {
    const { readdir } = await import('node:fs/promises');
    const dirs = await readdir(`${ROOT}examples`, { withFileTypes: true }).catch(() => []);
    // Prometheus rules and a Grafana dashboard, not pgbackops documents (test/integration/monitoring/metrics-examples.test.ts).
    const notConfigurations = new Set(['monitoring']);
    for (const dir of dirs.filter((d) => d.isDirectory() && !notConfigurations.has(d.name))) {
      const read = await readConfigDir(`${ROOT}examples/${dir.name}`);
      if (read.files.length === 0) continue; // a generator, not a configuration
      const result = validateConfig(read.files, { pgDumpVersion: 16 });
      expect([...read.diagnostics, ...result.diagnostics].filter((d) => d.severity === 'error'), dir.name).toEqual([]);
    }
  });
});

describe('documentation', () => {
  it('docs/errors.md explains exactly the codes the loader emits', async () => {
    const text = await readFile(`${ROOT}docs/errors.md`, 'utf8');
    const documented = [...text.matchAll(/^### ([EW]_[A-Z0-9_]+)$/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(Object.keys(DIAGNOSTIC_CODES).sort());
  });

  it('the compiled validators are generated from the current schemas', async () => {
    const result = await execa('node', [`${ROOT}scripts/gen-validators.mjs`, '--check'], { reject: false, all: true });
    expect(result.exitCode, result.all).toBe(0);
  });

  it('docs/configuration.md is generated from the current schemas', async () => {
    const result = await execa('node', [`${ROOT}scripts/gen-config-docs.mjs`, '--check'], { reject: false, all: true });
    expect(result.exitCode, result.all).toBe(0);
  });

  it('docs/configuration.md documents every spec field of every kind', async () => {
    const text = await readFile(`${ROOT}docs/configuration.md`, 'utf8');
    for (const kind of KINDS) {
      for (const field of Object.keys(loadSchema(SCHEMA_FILES[kind]).properties.spec.properties ?? {})) {
        expect(text, `${kind} spec.${field}`).toContain(`| \`spec.${field}\` |`);
      }
    }
    expect(text).toContain('sha256(name + ":" + fieldIndex)');
  });
});
