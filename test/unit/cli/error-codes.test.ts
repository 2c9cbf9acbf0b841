// Every error code the sources can raise is documented: configuration codes as `###` headings and runtime
// codes as bold paragraphs of docs/errors.md, the import's own in docs/migrating.md. A code is any string
// literal of the form E_WORD or SCHEDULE_WORD in src/ (the error classes, the refusals, the diagnostics).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PgbackopsError } from '../../../src/core/errors.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('error codes', () => {
  it('every code in the sources is documented', () => {
    const codes = new Set<string>();
    for (const file of sources(join(ROOT, 'src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/'((?:E|SCHEDULE)_[A-Z0-9_]+)'/g)) codes.add(m[1]!);
    }
    expect(codes.size).toBeGreaterThan(60);
    const docs = ['docs/errors.md', 'docs/migrating.md'].map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\n');
    const undocumented = [...codes].filter((code) => !new RegExp(`(### |\\*\\*\`?|\`)${code}\\b`).test(docs)).sort();
    expect(undocumented).toEqual([]);
  });

  it('an error of the base class carries its code, its exit code and its class name', () => {
    class ExampleError extends PgbackopsError {
      readonly code = 'E_EXAMPLE';
    }
    const err = new ExampleError('what happened; next step', { cause: new Error('why') });
    expect(err).toBeInstanceOf(Error);
    expect({ code: err.code, exitCode: err.exitCode, name: err.name, message: err.message }).toEqual({ code: 'E_EXAMPLE', exitCode: 1, name: 'ExampleError', message: 'what happened; next step' });
    expect((err.cause as Error).message).toBe('why');
  });
});
