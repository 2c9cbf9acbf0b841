// pgbackops schema [KIND]: print the JSON Schema of a kind (or the combined one editors use).
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { packagePath } from '../../adapters/fs/package-files.js';
import { KINDS } from '../../core/model.js';
import { CliError, printText } from '../output.js';

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description(`print the JSON Schema of a kind (${KINDS.join(', ')}), or of any document when no kind is given`)
    .argument('[kind]', 'BackupServer, Node, Retention, Backup, Snapshot or Restore (case-insensitive)')
    .action(async (kind: string | undefined) => {
      const file = kind ? schemaFileOf(kind) : 'pgbackops.schema.json';
      printText(await readFile(packagePath('schemas', file), 'utf8'));
    });
}

function schemaFileOf(kind: string): string {
  const match = KINDS.find((k) => k.toLowerCase() === kind.toLowerCase());
  if (!match) throw new CliError(`unknown kind "${kind}"; kinds are ${KINDS.join(', ')}`);
  return `${match.toLowerCase()}.schema.json`;
}
