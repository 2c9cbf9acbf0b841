// Where a restore's record goes: the catalog when it can be reached, else the local spool
// (<stateDir>/spool/restores/<id>.json, ingested by `pgbackops maintain` through ingest-spool.ts).
import { join } from 'node:path';
import type { RestoreStore } from '../adapters/catalog/restore-store.js';
import { writeFileAtomic } from '../adapters/fs/atomic-write.js';
import type { Logger } from '../adapters/logger.js';
import { spoolDir } from '../adapters/spool.js';
import type { RestoreRecord } from '../core/restore/restore-record.js';

/** Spooled restore records live apart from run records, so each reader sees only its own kind. */
export function restoreSpoolDir(stateDir: string): string {
  return join(spoolDir(stateDir), 'restores');
}

export class RestoreRecorder {
  private catalogFailed = false;

  constructor(
    private readonly stateDir: string,
    private readonly store: Pick<RestoreStore, 'upsertRestore'> | null,
    private readonly logger: Logger,
  ) {}

  get mode(): 'catalog' | 'spool' {
    return this.store && !this.catalogFailed ? 'catalog' : 'spool';
  }

  async record(record: RestoreRecord): Promise<void> {
    if (this.store && !this.catalogFailed) {
      try {
        await this.store.upsertRestore(record);
        return;
      } catch (err) {
        this.catalogFailed = true;
        this.logger.warn({ err: (err as Error).message, restore: record.id }, 'catalog unreachable; recording the restore in the local spool');
      }
    }
    await writeFileAtomic(join(restoreSpoolDir(this.stateDir), `${record.id}.json`), JSON.stringify(record, null, 2) + '\n', 0o600);
  }
}
