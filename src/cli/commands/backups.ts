// pgbackops backups: the catalog's backups, newest first, filtered.
import type { Command } from 'commander';
import { backupReportItems, renderBackupsText } from '../../core/reports/backups-report.js';
import { withCatalog } from '../../runtime/catalog-session.js';
import { reportRow } from '../backup-rows.js';
import { contextOf } from '../context.js';
import { parseTime } from '../flag-values.js';
import { CliError, printJson, printText } from '../output.js';

const STATUSES = ['running', 'succeeded', 'failed', 'skipped', 'abandoned', 'expiring'];

interface BackupsFlags {
  node?: string;
  definition?: string;
  database?: string;
  status?: string;
  since?: string;
  limit: string;
}

export function registerBackups(program: Command): void {
  program
    .command('backups')
    .description('list backups from the catalog, newest first: id, definition, database, started, duration, size, status, expiry, and where they live (local, off-site copies)')
    .option('--node <name>', 'only backups of this node')
    .option('--definition <name>', 'only backups of this definition')
    .option('--database <name>', 'only backups of this database')
    .option('--status <status>', `only this status (${STATUSES.join(', ')})`)
    .option('--since <time>', 'only backups started at or after this time (ISO 8601, e.g. 2026-11-01 or 2026-11-01T12:00Z)')
    .option('--limit <n>', 'at most this many', '200')
    .option('--json', 'print the backups as JSON')
    .action(async (opts: BackupsFlags, command: Command) => {
      const ctx = contextOf(command);
      if (opts.status !== undefined && !STATUSES.includes(opts.status)) throw new CliError(`--status must be one of ${STATUSES.join(', ')}`);
      const since = opts.since === undefined ? undefined : parseTime(opts.since, '--since');
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new CliError('--limit must be a positive integer');
      const rows = await withCatalog(ctx.settings, ctx.logger, async (catalog) => {
        const backups = await catalog.reports.listBackups({
          ...(opts.node ? { node: opts.node } : {}), ...(opts.definition ? { definition: opts.definition } : {}),
          ...(opts.database !== undefined ? { database: opts.database } : {}), ...(opts.status ? { status: opts.status } : {}),
          ...(since ? { since } : {}), limit,
        });
        const copies = await catalog.offsite.copiesOf(backups.map((b) => b.id));
        return backups.map((b) => reportRow(b, copies.filter((c) => c.runId === b.id)));
      });
      const items = backupReportItems(rows);
      if (ctx.json) printJson({ backups: items });
      else printText(renderBackupsText(items));
    });
}
