// This server's WAL archives as the daemon follows them: their receivers (wal-receivers.ts: one
// `wal-receive` child each) kept in step with the archives of every pass's definition cache, and their
// health for /metrics and /status, from the reports the receivers write to the catalog.
import type { Catalog } from '../adapters/catalog/catalog.js';
import type { Logger } from '../adapters/logger.js';
import type { ArchivedNode } from '../core/wal/archived-nodes.js';
import { walArchiveHealth, type WalArchiveHealth } from '../core/wal/wal-archive-health.js';
import type { Settings } from '../runtime/settings.js';
import { WalReceivers } from './wal-receivers.js';
import { recordRestorableWindows } from '../engine/restorable-windows.js';

/** How often the daemon records the restorable windows of its archives (docs/restore.md, "The restorable window"). */
const WINDOW_RECORD_INTERVAL_MS = 30_000;

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
  private recording = false;
  private recordedAt = 0;
  private timer: NodeJS.Timeout | null = null;

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
    this.recordWindows();
    // Also between passes: the window's end moves with every commit archived, whatever the passes do.
    this.timer ??= setInterval(() => this.recordWindows(), WINDOW_RECORD_INTERVAL_MS).unref();
  }

  /**
   * The restorable windows of the archives on this machine, recorded in the catalog for status elsewhere: at most
   * every WINDOW_RECORD_INTERVAL_MS, one at a time, in the background (the archive's head is re-read only when
   * its newest file changed).
   */
  private recordWindows(): void {
    const now = Date.now();
    if (this.archives.length === 0 || this.recording || now - this.recordedAt < WINDOW_RECORD_INTERVAL_MS - 1000) return;
    this.recording = true;
    this.recordedAt = now;
    void (async () => {
      try {
        await recordRestorableWindows(this.o.catalog, (await this.o.catalog.readSnapshot()).objects, this.o.settings().stateDir, 'daemon');
      } catch (err) {
        this.o.logger.warn({ err: (err as Error).message }, 'could not record the restorable windows');
      } finally {
        this.recording = false;
      }
    })();
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
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return this.receivers.stopAll(graceMs);
  }

  /** The daemon exits at once (a second signal): SIGKILL to every receiver. */
  kill(): void {
    this.receivers.kill();
  }
}
