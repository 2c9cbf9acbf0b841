// pgbackops show <backup-id>: everything recorded about one backup, its files and checksums, how to restore.
import type { Command } from 'commander';
import { backupReportItems } from '../../core/reports/backups-report.js';
import { renderShowText, showReport } from '../../core/reports/show-report.js';
import { withCatalog } from '../../runtime/catalog-session.js';
import { contextOf } from '../context.js';
import { printJson, printText } from '../output.js';
import { reportRow } from '../backup-rows.js';
import { findBackupOrCopy } from '../offsite-source.js';

export function registerShow(program: Command): void {
  program
    .command('show')
    .description('show one backup: everything recorded, its files with checksums, where it lives (local, off-site copies), its restores, and the restore command')
    .argument('<backup-id>', 'backup run id (or a unique prefix of it)')
    .option('--json', 'print it as JSON')
    .action(async (backupId: string, _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const report = await withCatalog(ctx.settings, ctx.logger, async (catalog) => {
        const { row, copies } = await findBackupOrCopy(catalog, backupId);
        // A backup known only from its copies (local retention removed its row) has no local files.
        const local = (await catalog.reports.findBackup(row.id)) !== null && row.status === 'succeeded';
        const restores = await catalog.reports.restoreHistory(100, { backupId: row.id });
        return showReport(backupReportItems([reportRow(row, copies, local)])[0]!, {
          backupServer: row.backupServer, directory: row.directory, files: row.files, pgDumpVersion: row.pgDumpVersion,
          serverVersion: row.serverVersion, failureDetail: row.failureDetail, log: row.log, timezone: row.timezone,
          method: row.method, methodFacts: row.methodFacts,
          restores: restores.map((r) => ({
            id: r.id, purpose: r.purpose, targetNode: r.targetNode, targetDir: r.targetDir, targetDatabase: r.targetDatabase, status: r.status,
            startedAt: r.startedAt.getTime(), finishedAt: r.finishedAt?.getTime() ?? null,
          })),
        });
      });
      if (ctx.json) printJson({ ...report });
      else printText(renderShowText(report));
    });
}
