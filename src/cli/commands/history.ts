// pgbackops history: applies and restores, newest first.
import type { Command } from 'commander';
import { historyReport, renderHistoryText } from '../../core/reports/history-report.js';
import { withCatalog } from '../../runtime/catalog-session.js';
import { contextOf } from '../context.js';
import { CliError, printJson, printText } from '../output.js';

export function registerHistory(program: Command): void {
  program
    .command('history')
    .description('list applies (revision, time, who, changes, overrides) and restores, newest first')
    .option('--limit <n>', 'at most this many of each', '50')
    .option('--json', 'print the history as JSON')
    .action(async (opts: { limit: string }, command: Command) => {
      const ctx = contextOf(command);
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new CliError('--limit must be a positive integer');
      const report = await withCatalog(ctx.settings, ctx.logger, async (catalog) => {
        const [applies, restores] = [await catalog.reports.applyHistory(limit), await catalog.reports.restoreHistory(limit)];
        return historyReport(
          applies.map((a) => ({ ...a, startedAt: a.startedAt.getTime(), finishedAt: a.finishedAt.getTime() })),
          restores.map((r) => ({ ...r, startedAt: r.startedAt.getTime(), finishedAt: r.finishedAt?.getTime() ?? null })),
        );
      });
      if (ctx.json) printJson({ ...report });
      else printText(renderHistoryText(report));
    });
}
