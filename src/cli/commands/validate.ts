// pgbackops validate: every error at once, with file:line:column and a stable code. Exit 1 if any.
import type { Command } from 'commander';
import { renderDiagnostics } from '../../core/render/diagnostics-text.js';
import { loadDesired } from '../../engine/load-desired.js';
import { contextOf } from '../context.js';
import { STRICT_FLAG } from '../plan-flags.js';
import { printJson, printText, stdoutStyle } from '../output.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check the configuration: syntax, schema, references, cron, names, secrets (changes nothing)')
    .option('--json', 'print the result as JSON')
    .option(...STRICT_FLAG)
    .action(async (opts: { strict?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const result = await loadDesired(ctx.settings.configDir, { strict: Boolean(opts.strict) });
      const valid = result.config !== null;
      if (ctx.json) {
        printJson({
          valid,
          revision: result.config?.revision ?? null,
          files: result.fileCount,
          objects: result.config ? countByKind(result.config.objects) : null,
          diagnostics: result.diagnostics,
        }, { maps: ['objects'] });
      } else if (valid) {
        if (result.diagnostics.length > 0 && !ctx.quiet) process.stderr.write(renderDiagnostics(result.diagnostics, stdoutStyle()));
        const counts = countByKind(result.config!.objects);
        printText(`Valid: ${result.fileCount} file(s), ${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ') || 'no objects'}; revision ${result.config!.revision.slice(0, 12)}`);
      } else {
        process.stderr.write(renderDiagnostics(result.diagnostics, stdoutStyle()));
      }
      process.exitCode = valid ? 0 : 1;
    });
}

function countByKind(objects: ReadonlyArray<{ kind: string }>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of objects) counts[o.kind] = (counts[o.kind] ?? 0) + 1;
  return counts;
}
