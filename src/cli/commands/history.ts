// pgbackops history: applies and restores, newest first, a page at a time.
import type { Command } from 'commander';
import { historyReport, renderHistoryText } from '../../core/reports/history-report.js';
import { formatHistoryCursor, parseHistoryCursor } from '../../core/reports/page-cursor.js';
import { withCatalog } from '../../runtime/catalog-session.js';
import { contextOf } from '../context.js';
import { CliError, printJson, printText } from '../output.js';

export function registerHistory(program: Command): void {
  program
    .command('history')
    .description('list applies (revision, time, who, changes, overrides) and restores, newest first')
    .option('--limit <n>', 'at most this many of each (a page: `next_after` in JSON, or the last line, gives the next one)', '50')
    .option('--after <cursor>', 'the next page: the applies and restores after the cursor a previous page printed (next_after)')
    .option('--json', 'print the history as JSON')
    .action(async (opts: { limit: string; after?: string }, command: Command) => {
      const ctx = contextOf(command);
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new CliError('--limit must be a positive integer');
      const after = opts.after === undefined ? undefined : parseHistoryCursor(opts.after);
      if (after === null) throw new CliError('--after must be the cursor a previous page of history printed (next_after)');
      const { report, nextAfter } = await withCatalog(ctx.settings, ctx.logger, async (catalog) => {
        const none = { rows: [], nextAfter: null };
        // A list the previous page finished ('end') has nothing after it.
        const applies = after?.applies === 'end' ? none : await catalog.reports.applyHistoryPage(limit, after?.applies);
        const restores = after?.restores === 'end' ? none : await catalog.reports.restoreHistoryPage(limit, {}, after?.restores);
        return {
          report: historyReport(
            applies.rows.map((a) => ({ ...a, startedAt: a.startedAt.getTime(), finishedAt: a.finishedAt.getTime() })),
            restores.rows.map((r) => ({ ...r, startedAt: r.startedAt.getTime(), finishedAt: r.finishedAt?.getTime() ?? null })),
          ),
          nextAfter: formatHistoryCursor(applies.nextAfter, restores.nextAfter),
        };
      });
      if (ctx.json) printJson({ ...report, next_after: nextAfter });
      else printText(renderHistoryText(report) + (nextAfter ? `more: pgbackops history --after ${nextAfter}\n` : ''));
    });
}
