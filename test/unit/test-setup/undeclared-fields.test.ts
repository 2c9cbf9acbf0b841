// The walk the JSON contract test uses to find fields an output schema accepts without declaring them
// (test/helpers/undeclared-fields.ts): through $ref (in the file and to another), allOf and anyOf, into arrays;
// a map's keys are data.
import { describe, expect, it } from 'vitest';
import { undeclaredFields, type SchemaSet } from '../../helpers/undeclared-fields.js';

const set: SchemaSet = {
  files: {
    'common.schema.json': {
      definitions: {
        document: { type: 'object', properties: { format_version: { const: '1' } } },
        run: { type: 'object', properties: { id: { type: 'string' }, files: { type: 'array', items: { $ref: '#/definitions/file' } } } },
        file: { type: 'object', properties: { path: { type: 'string' } } },
      },
    },
    'doc.schema.json': {
      allOf: [{ $ref: 'common.schema.json#/definitions/document' }],
      properties: {
        runs: { type: 'array', items: { $ref: 'common.schema.json#/definitions/run' } },
        last: { anyOf: [{ $ref: 'common.schema.json#/definitions/run' }, { type: 'null' }] },
        counts: { type: 'object', additionalProperties: { type: 'object', properties: { n: { type: 'integer' } } } },
      },
    },
  },
};

describe('undeclaredFields', () => {
  it('nothing for a document that uses only declared fields, maps included', () => {
    expect(undeclaredFields(set, 'doc.schema.json', {
      format_version: '1', runs: [{ id: 'a', files: [{ path: 'x' }] }], last: null, counts: { Backup: { n: 1 } },
    })).toEqual([]);
  });

  it('every field no schema at its place declares, with its path', () => {
    expect(undeclaredFields(set, 'doc.schema.json', {
      format_version: '1', extra: 1, runs: [{ id: 'a', new_field: true, files: [{ path: 'x', size: 1 }] }], last: { id: 'b', more: 2 },
      counts: { Backup: { n: 1, m: 2 } },
    })).toEqual(['extra', 'runs.0.new_field', 'runs.0.files.0.size', 'last.more', 'counts.Backup.m']);
  });
});
