// pgbackops schema [KIND]: print the JSON Schema of a kind (or the combined one editors use).
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { packagePath } from '../../adapters/fs/package-files.js';
import { bundleSchemas, type SchemaFiles } from '../../core/config/schema-bundle.js';
import { KINDS } from '../../core/model.js';
import { VERSION } from '../../runtime/version.js';
import { CliError, printText } from '../output.js';

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description(`print the JSON Schema of a kind (${KINDS.join(', ')}), or of any document when no kind is given`)
    .argument('[kind]', 'BackupServer, Node, Retention, Backup, Snapshot or Restore (case-insensitive)')
    .option('--bundle', 'the schema of any document as one self-contained file with an $id (no $ref to other files), for tools that take one file or URL')
    .action(async (kind: string | undefined, opts: { bundle?: boolean }) => {
      if (opts.bundle) {
        if (kind) throw new CliError('--bundle prints the schema of every kind at once: give no kind');
        return printText(JSON.stringify(await bundle(), null, 2));
      }
      const file = kind ? schemaFileOf(kind) : COMBINED;
      printText(await readFile(packagePath('schemas', file), 'utf8'));
    });
}

const COMBINED = 'pgbackops.schema.json';

async function bundle(): Promise<Record<string, unknown>> {
  const kinds = Object.fromEntries(KINDS.map((k) => [k, `${k.toLowerCase()}.schema.json`]));
  const files: SchemaFiles = {};
  for (const file of [COMBINED, ...Object.values(kinds)]) files[file] = JSON.parse(await readFile(packagePath('schemas', file), 'utf8')) as Record<string, unknown>;
  // Versioned: an editor that caches schemas by $id picks up the fields of a newer pgbackops.
  return bundleSchemas(files, COMBINED, kinds, `urn:pgbackops:schema:config:${VERSION}`);
}

function schemaFileOf(kind: string): string {
  const match = KINDS.find((k) => k.toLowerCase() === kind.toLowerCase());
  if (!match) throw new CliError(`unknown kind "${kind}"; kinds are ${KINDS.join(', ')}`);
  return `${match.toLowerCase()}.schema.json`;
}
