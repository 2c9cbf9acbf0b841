// Where a run's record goes: the catalog when it can be reached, else the local spool. A catalog that
// goes away in the middle of a run does not lose the result: the final record falls back to the spool.
import type { Logger } from '../adapters/logger.js';
import { spoolRecord } from '../adapters/spool.js';
import type { RunRecord } from '../core/runs/run-record.js';

/** The catalog side of recording (implemented by the catalog adapter's run store). */
export interface RunCatalog {
  upsertRun(record: RunRecord): Promise<void>;
  /** Marks this server's runs of a definition still `running` as abandoned; returns their ids. */
  abandonRunning(backupServer: string, definition: string, exceptIds: readonly string[]): Promise<string[]>;
  databasesLastSucceeded(backupServer: string, definition: string): Promise<string[]>;
}

export class RunRecorder {
  private catalogFailed = false;

  constructor(
    private readonly stateDir: string,
    private readonly catalog: RunCatalog | null,
    private readonly logger: Logger,
  ) {}

  /** 'catalog' while records reach the catalog, 'spool' once they go to the local spool. */
  get mode(): 'catalog' | 'spool' {
    return this.catalog && !this.catalogFailed ? 'catalog' : 'spool';
  }

  async record(record: RunRecord): Promise<void> {
    if (this.catalog && !this.catalogFailed) {
      try {
        await this.catalog.upsertRun(record);
        return;
      } catch (err) {
        this.catalogFailed = true;
        this.logger.warn({ err: (err as Error).message, run: record.id }, 'catalog unreachable; recording runs in the local spool');
      }
    }
    await spoolRecord(this.stateDir, record);
  }

  async abandonRunning(backupServer: string, definition: string): Promise<string[]> {
    return this.ask((c) => c.abandonRunning(backupServer, definition, []), []);
  }

  /** Empty while the catalog is unreachable: the check for vanished databases needs its history. */
  async databasesLastSucceeded(backupServer: string, definition: string): Promise<string[]> {
    return this.ask((c) => c.databasesLastSucceeded(backupServer, definition), []);
  }

  private async ask<T>(fn: (catalog: RunCatalog) => Promise<T>, fallback: T): Promise<T> {
    if (!this.catalog || this.catalogFailed) return fallback;
    try {
      return await fn(this.catalog);
    } catch (err) {
      this.catalogFailed = true;
      this.logger.warn({ err: (err as Error).message }, 'catalog unreachable; recording runs in the local spool');
      return fallback;
    }
  }
}
