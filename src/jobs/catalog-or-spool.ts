// Where a job's records go: the catalog while it can be reached, else the local spool that `pgbackops
// maintain` ingests (ingest-spool.ts). Once a catalog write fails, this job's later records go to the spool
// too: a catalog that went away in the middle of a run does not lose the result, and the run does not wait
// on a dead connection once per record.
import type { Logger } from '../adapters/logger.js';

export class CatalogOrSpool<R extends { id: string }> {
  private catalogFailed = false;

  constructor(
    /** What is recorded, for the log line ("runs", "the restore"). */
    private readonly what: string,
    private readonly toCatalog: ((record: R) => Promise<void>) | null,
    private readonly toSpool: (record: R) => Promise<unknown>,
    private readonly logger: Logger,
  ) {}

  /** 'catalog' while records reach the catalog, 'spool' once they go to the local spool. */
  get mode(): 'catalog' | 'spool' {
    return this.toCatalog && !this.catalogFailed ? 'catalog' : 'spool';
  }

  async record(record: R): Promise<void> {
    if (this.toCatalog && !this.catalogFailed) {
      try {
        await this.toCatalog(record);
        return;
      } catch (err) {
        this.catalogUnreachable(err, record.id);
      }
    }
    await this.toSpool(record);
  }

  /** A catalog call of the same job failed: what follows is spooled. */
  catalogUnreachable(err: unknown, id?: string): void {
    this.catalogFailed = true;
    this.logger.warn({ err: (err as Error).message, ...(id ? { id } : {}) }, `catalog unreachable; recording ${this.what} in the local spool`);
  }
}
