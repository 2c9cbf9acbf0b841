// Where restore and verify read a backup from: its local directory, or an off-site copy (docs/offsite.md,
// "Restoring from a store"). A copy is used when asked for (`--from STORE`) or when the local files are gone
// (local retention removed them, or the backup server was lost); it is downloaded and checked first
// (src/jobs/offsite/fetch-copy.ts), and the method's restore or verify then runs on that directory unchanged.
import { PgbackopsError } from '../core/errors.js';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Catalog } from '../adapters/catalog/catalog.js';
import type { OffsiteCopy } from '../adapters/catalog/offsite-store.js';
import { AmbiguousBackupIdError, type BackupRow } from '../adapters/catalog/report-queries.js';
import type { ObjectStoreSpec } from '../core/model.js';
import { backupRowOfCopy, fetchCopy, OffsiteCopyRefusedError } from '../jobs/offsite/fetch-copy.js';
import { CliError } from './output.js';

/** A copy that cannot be used: printed as `pgbackops: error CODE: message` (exit 1). */
export class OffsiteSourceError extends PgbackopsError {
  constructor(message: string, readonly code: 'E_OFFSITE_COPY_UNKNOWN' | 'E_OFFSITE_DOWNLOAD') {
    super(message);
  }
}

export interface BackupSource {
  row: BackupRow;
  /** 'local', or the store the copy was downloaded from. */
  from: string;
  /** Removes what was downloaded (nothing for a local backup). */
  release(): Promise<void>;
}

/** The backup with this id (or unique prefix), from its local row, else from the run kept with its copies. */
export async function findBackupOrCopy(catalog: Catalog, id: string): Promise<{ row: BackupRow; copies: OffsiteCopy[] }> {
  let row: BackupRow | null;
  try {
    row = await catalog.reports.findBackup(id);
  } catch (err) {
    if (err instanceof AmbiguousBackupIdError) throw new CliError(err.message, 1, 'E_BACKUP_AMBIGUOUS');
    throw err;
  }
  const found = await catalog.offsite.findCopies(row ? row.id : id);
  const runIds = new Set(found.map((c) => c.runId));
  if (!row && runIds.size > 1) throw new CliError(`backup id prefix ${id} matches more than one backup; give more characters`, 1, 'E_BACKUP_AMBIGUOUS');
  if (!row && found.length === 0) throw new CliError(`no backup with id ${JSON.stringify(id)} in the catalog (see \`pgbackops backups\`)`, 1, 'E_BACKUP_NOT_FOUND');
  return { row: row ?? backupRowOfCopy(found[0]!), copies: found };
}

export async function backupSource(
  catalog: Catalog, found: { row: BackupRow; copies: OffsiteCopy[] }, options: { from?: string; stateDir: string },
): Promise<BackupSource> {
  const local: BackupSource = { row: found.row, from: 'local', release: async () => undefined };
  const copied = found.copies.filter((c) => c.state === 'copied');
  let copy: OffsiteCopy | undefined;
  if (options.from !== undefined) {
    copy = found.copies.find((c) => c.store === options.from);
    if (!copy) {
      const where = found.copies.length ? `its copies: ${found.copies.map((c) => `${c.store} (${c.state})`).join(', ')}` : 'it has no off-site copy';
      throw new OffsiteSourceError(`backup ${found.row.id} has no copy in store ${JSON.stringify(options.from)}; ${where}`, 'E_OFFSITE_COPY_UNKNOWN');
    }
  } else {
    if (await hasLocalFiles(found.row)) return local;
    copy = copied[0];
    if (!copy) return local; // the method reports the missing files as it always has
  }
  const storeSpec = (await catalog.readSnapshot()).objects.find((o) => o.kind === 'ObjectStore' && o.name === copy.store)?.spec as ObjectStoreSpec | undefined;
  if (!storeSpec) throw new OffsiteSourceError(`ObjectStore ${copy.store} is not in the catalog: the copy of backup ${found.row.id} cannot be read`, 'E_OFFSITE_COPY_UNKNOWN');
  try {
    const fetched = await fetchCopy(copy, storeSpec, options.stateDir, found.row.files);
    return { row: { ...found.row, directory: fetched.directory }, from: copy.store, release: fetched.remove };
  } catch (err) {
    if (err instanceof OffsiteCopyRefusedError) throw err;
    throw new OffsiteSourceError(`the copy of backup ${found.row.id} in ${copy.store} could not be downloaded: ${(err as Error).message}; nothing was restored`, 'E_OFFSITE_DOWNLOAD');
  }
}

async function hasLocalFiles(row: BackupRow): Promise<boolean> {
  if (row.status !== 'succeeded' || !row.directory) return false;
  return access(join(row.directory, 'manifest.json')).then(() => true, () => false);
}
