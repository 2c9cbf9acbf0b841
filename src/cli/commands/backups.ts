// pgbackops backups: the catalog's backups, newest first, filtered.
import type { Command } from 'commander';
import { backupReportItems, renderBackupsText } from '../../core/reports/backups-report.js';
import { formatPageCursor, parsePageCursor } from '../../core/reports/page-cursor.js';
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
  after?: string;
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
    .option('--limit <n>', 'at most this many (a page: `next_after` in JSON, or the last line, gives the next one)', '200')
    .option('--after <cursor>', 'the next page: the backups after the cursor a previous page printed (next_after)')
    .option('--json', 'print the backups as JSON')
    .action(async (opts: BackupsFlags, command: Command) => {
      const ctx = contextOf(command);
      if (opts.status !== undefined && !STATUSES.includes(opts.status)) throw new CliError(`--status must be one of ${STATUSES.join(', ')}`);
      const since = opts.since === undefined ? undefined : parseTime(opts.since, '--since');
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new CliError('--limit must be a positive integer');
      const after = opts.after === undefined ? undefined : parsePageCursor(opts.after);
      if (after === null) throw new CliError('--after must be the cursor a previous page printed (next_after), e.g. 2026-12-06T01:30:00.000000Z_3f2a9c1e-...');
      const { rows, nextAfter } = await withCatalog(ctx.settings, ctx.logger, async (catalog) => {
        const page = await catalog.reports.listBackupsPage({
          ...(opts.node ? { node: opts.node } : {}), ...(opts.definition ? { definition: opts.definition } : {}),
          ...(opts.database !== undefined ? { database: opts.database } : {}), ...(opts.status ? { status: opts.status } : {}),
          ...(since ? { since } : {}), limit,
        }, after);
        const copies = await catalog.offsite.copiesOf(page.backups.map((b) => b.id));
        return { rows: page.backups.map((b) => reportRow(b, copies.filter((c) => c.runId === b.id))), nextAfter: page.nextAfter && formatPageCursor(page.nextAfter) };
      });
      const items = backupReportItems(rows);
      if (ctx.json) printJson({ backups: items, next_after: nextAfter });
      else printText(renderBackupsText(items) + (nextAfter ? `more: pgbackops backups --after ${nextAfter} (with the same filters)\n` : ''));
    });
}
