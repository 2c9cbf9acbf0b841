// Where a run's records go (catalog, else the local spool; see catalog-or-spool.ts), and the questions a run
// asks the catalog's run history, answered with a safe default while the catalog is unreachable.
import type { Logger } from '../adapters/logger.js';
import { spoolRecord } from '../adapters/spool.js';
import type { RunRecord } from '../core/runs/run-record.js';
import { CatalogOrSpool } from './catalog-or-spool.js';

/** The catalog side of recording (implemented by the catalog adapter's run store). */
export interface RunCatalog {
  upsertRun(record: RunRecord): Promise<void>;
  /** Marks this server's runs of a definition still `running` as abandoned; returns their ids. */
  abandonRunning(backupServer: string, definition: string, exceptIds: readonly string[]): Promise<string[]>;
  databasesLastSucceeded(backupServer: string, definition: string): Promise<string[]>;
}

export class RunRecorder {
  private readonly records: CatalogOrSpool<RunRecord>;

  constructor(
    stateDir: string,
    private readonly catalog: RunCatalog | null,
    logger: Logger,
  ) {
    this.records = new CatalogOrSpool<RunRecord>('runs', catalog ? (r) => catalog.upsertRun(r) : null, (r) => spoolRecord(stateDir, r), logger);
  }

  /** 'catalog' while records reach the catalog, 'spool' once they go to the local spool. */
  get mode(): 'catalog' | 'spool' {
    return this.records.mode;
  }

  record(record: RunRecord): Promise<void> {
    return this.records.record(record);
  }

  async abandonRunning(backupServer: string, definition: string): Promise<string[]> {
    return this.ask((c) => c.abandonRunning(backupServer, definition, []), []);
  }

  /** Empty while the catalog is unreachable: the check for vanished databases needs its history. */
  async databasesLastSucceeded(backupServer: string, definition: string): Promise<string[]> {
    return this.ask((c) => c.databasesLastSucceeded(backupServer, definition), []);
  }

  private async ask<T>(fn: (catalog: RunCatalog) => Promise<T>, fallback: T): Promise<T> {
    if (!this.catalog || this.records.mode === 'spool') return fallback;
    try {
      return await fn(this.catalog);
    } catch (err) {
      this.records.catalogUnreachable(err);
      return fallback;
    }
  }
}
