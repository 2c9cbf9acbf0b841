// A backup as the commands that name one find it (`show`, `verify`, `restore`), and as the reports show it.
import { AmbiguousBackupIdError, type BackupRow } from '../adapters/catalog/report-queries.js';
import type { Catalog } from '../adapters/catalog/catalog.js';
import type { OffsiteCopy } from '../adapters/catalog/offsite-store.js';
import type { BackupReportRow } from '../core/reports/backups-report.js';
import { CliError } from './output.js';

/** The backup whose id (or unique id prefix) is given; a clear error when there is none or several. */
export async function resolveBackup(catalog: Catalog, id: string): Promise<BackupRow> {
  try {
    const row = await catalog.reports.findBackup(id);
    if (!row) throw new CliError(`no backup with id ${JSON.stringify(id)} in the catalog (see \`pgbackops backups\`)`, 1, 'E_BACKUP_NOT_FOUND');
    return row;
  } catch (err) {
    if (err instanceof AmbiguousBackupIdError) throw new CliError(err.message, 1, 'E_BACKUP_AMBIGUOUS');
    throw err;
  }
}

/** `copies`: its off-site copies (docs/offsite.md); `local`: whether its local files are still there, when known. */
export function reportRow(r: BackupRow, copies: readonly OffsiteCopy[] = [], local?: boolean): BackupReportRow {
  return {
    ...(local !== undefined ? { local } : {}),
    copies: copies.map((c) => ({ store: c.store, state: c.state, copiedAt: c.copiedAt?.getTime() ?? null, failureReason: c.failureReason })),
    // A physical backup has no logical type or format: its method stands in the type column, its tar format in format.
    id: r.id, definition: r.definition, node: r.node, database: r.database, status: r.status,
    backupType: r.method === 'logical' ? r.backupType : r.method, format: r.method === 'basebackup' ? 'tar' : r.format,
    startedAt: r.startedAt.getTime(), finishedAt: r.finishedAt?.getTime() ?? null, bytes: r.bytes, failureReason: r.failureReason,
    retention: r.retention, timezone: r.timezone, method: r.method, methodFacts: r.methodFacts,
  };
}
