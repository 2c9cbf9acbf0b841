// pgbackops catalog migrate|status|stop: the catalog's schema and the local catalog instance.
import type { Command } from 'commander';
import { stopLocalCatalog } from '../../adapters/catalog/local-catalog.js';
import { describeHeldBack, heldBackHint } from '../../core/plan/held-back.js';
import { withCatalog } from '../../runtime/catalog-session.js';
import { contextOf } from '../context.js';
import { printJson, printText } from '../output.js';

export function registerCatalog(program: Command): void {
  const catalog = program.command('catalog').description('manage the catalog database (migrations, the local instance)');

  catalog
    .command('migrate')
    .description('apply pending catalog migrations (also done automatically on first use)')
    .option('--json', 'print the result as JSON')
    .action(async (_opts, command: Command) => {
      const ctx = contextOf(command);
      const status = await withCatalog(ctx.settings, ctx.logger, (c) => c.migrationStatus());
      if (ctx.json) printJson({ applied: status.applied, pending: status.pending });
      else printText(`Catalog schema is current: ${status.applied.length} migration(s) applied.`);
    });

  catalog
    .command('status')
    .description('show the catalog: where it is, its migrations, version and last applied revision (and what it held back)')
    .option('--json', 'print the result as JSON')
    .action(async (_opts, command: Command) => {
      const ctx = contextOf(command);
      const result = await withCatalog(ctx.settings, ctx.logger, async (c) => ({ migrations: await c.migrationStatus(), snapshot: await c.readSnapshot() }));
      const where = ctx.settings.catalogUrl ? 'central catalog (--catalog / PGBACKOPS_CATALOG_URL)' : `local catalog under ${ctx.settings.stateDir}`;
      const heldBack = result.snapshot.lastAppliedHeldBack;
      const counts: Record<string, number> = {};
      for (const o of result.snapshot.objects) counts[o.kind] = (counts[o.kind] ?? 0) + 1;
      if (ctx.json) {
        printJson({
          catalog: where,
          version: result.snapshot.version,
          last_applied_revision: result.snapshot.lastAppliedRevision,
          // A revision applied with actions held back is applied only partially.
          last_apply_complete: heldBack.length === 0,
          last_apply_held_back: heldBack,
          objects: counts,
          migrations: result.migrations,
        }, { maps: ['objects'] });
        return;
      }
      printText([
        `Catalog:               ${where}`,
        `Version:               ${result.snapshot.version}`,
        `Last applied revision: ${result.snapshot.lastAppliedRevision ?? '(none)'}${heldBack.length > 0 ? ` (partially: ${heldBack.length} action(s) held back, ${heldBackHint(heldBack)})` : ''}`,
        ...heldBack.map((a) => `  held back: ${describeHeldBack(a)}`),
        `Objects:               ${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ') || 'none'}`,
        `Migrations:            ${result.migrations.applied.length} applied, ${result.migrations.pending.length} pending`,
      ].join('\n'));
    });

  catalog
    .command('stop')
    .description('stop the local catalog instance (no effect on a central catalog)')
    .action(async (_opts, command: Command) => {
      const ctx = contextOf(command);
      await stopLocalCatalog(ctx.settings.stateDir);
      printText(`Local catalog under ${ctx.settings.stateDir} stopped.`);
    });
}
