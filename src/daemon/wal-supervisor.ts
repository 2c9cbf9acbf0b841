// This server's WAL archives as the daemon follows them: their receivers (wal-receivers.ts: one
// `wal-receive` child each) kept in step with the archives of every pass's definition cache, and their
// health for /metrics and /status, from the reports the receivers write to the catalog.
import type { Catalog } from '../adapters/catalog/catalog.js';
import type { Logger } from '../adapters/logger.js';
import type { ArchivedNode } from '../core/wal/archived-nodes.js';
import { walArchiveHealth, type WalArchiveHealth } from '../core/wal/wal-archive-health.js';
import type { Settings } from '../runtime/settings.js';
import { WalReceivers } from './wal-receivers.js';

export interface WalSupervisorOptions {
  settings: () => Settings;
  server: string;
  catalog: Catalog;
  /** The server's logger: the receivers log as its `wal` component. */
  logger: Logger;
}

export class WalSupervisor {
  private readonly receivers: WalReceivers;
  private archives: readonly ArchivedNode[] = [];

  constructor(private readonly o: WalSupervisorOptions) {
    this.receivers = new WalReceivers({
      settings: o.settings, server: o.server, logger: o.logger.child({ component: 'wal' }),
      catalogObjects: async () => (await o.catalog.readSnapshot()).objects,
      forgetReport: (node) => o.catalog.walReceivers.forget(node, o.server),
    });
  }

  /**
   * The archives this server receives now. Not awaited: stopping a receiver waits for pg_receivewal to
   * flush, which must not hold the pass that calls this.
   */
  follow(archives: readonly ArchivedNode[]): void {
    this.archives = archives;
    void this.receivers.sync(archives);
  }

  /** The health of this server's WAL archives, from their receivers' reports in the catalog. */
  async health(): Promise<WalArchiveHealth[]> {
    if (this.archives.length === 0) return [];
    const reports = await this.o.catalog.walReceivers.list(this.o.server).catch((err: Error) => {
      this.o.logger.warn({ err: err.message }, 'could not read the WAL receivers\' reports');
      return [];
    });
    const byNode = new Map(reports.map((r) => [r.node, r]));
    const now = Date.now();
    return this.archives.map((a) => walArchiveHealth(a.name, a.walArchive, byNode.get(a.name) ?? null, now));
  }

  /** Stops every receiver: SIGTERM, SIGKILL after graceMs. */
  stopAll(graceMs: number): Promise<void> {
    return this.receivers.stopAll(graceMs);
  }

  /** The daemon exits at once (a second signal): SIGKILL to every receiver. */
  kill(): void {
    this.receivers.kill();
  }
}
