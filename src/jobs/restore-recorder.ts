// Where a restore's record goes: the catalog when it can be reached, else the local spool
// (<stateDir>/spool/restores/<id>.json, ingested by `pgbackops maintain` through ingest-spool.ts).
import { join } from 'node:path';
import type { RestoreStore } from '../adapters/catalog/restore-store.js';
import { writeFileAtomic } from '../adapters/fs/atomic-write.js';
import type { Logger } from '../adapters/logger.js';
import { spoolDir } from '../adapters/spool.js';
import type { RestoreRecord } from '../core/restore/restore-record.js';
import { CatalogOrSpool } from './catalog-or-spool.js';

/** Spooled restore records live apart from run records, so each reader sees only its own kind. */
export function restoreSpoolDir(stateDir: string): string {
  return join(spoolDir(stateDir), 'restores');
}

export function restoreRecorder(stateDir: string, store: Pick<RestoreStore, 'upsertRestore'> | null, logger: Logger): CatalogOrSpool<RestoreRecord> {
  return new CatalogOrSpool<RestoreRecord>(
    'the restore',
    store ? (record) => store.upsertRestore(record) : null,
    (record) => writeFileAtomic(join(restoreSpoolDir(stateDir), `${record.id}.json`), JSON.stringify(record, null, 2) + '\n', 0o600),
    logger,
  );
}
