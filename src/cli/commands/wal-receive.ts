// pgbackops wal-receive --node NODE: supervises the node's pg_receivewal in the foreground until a signal
// (docs/operations.md, "The WAL archive"). What the daemon runs as a child per archived node, and what a systemd
// unit runs on a backup server without a daemon. The node and its archive come from this machine's definition
// cache (as `run` does), so it keeps receiving while the catalog is down; its reports go to the catalog when it
// answers.
import type { Command } from 'commander';
import type { Catalog } from '../../adapters/catalog/catalog.js';
import type { Logger } from '../../adapters/logger.js';
import { trapInterruptions } from '../../adapters/os/interruption.js';
import { backupRootOf } from '../../runtime/job-user.js';
import { walArchiveDirectory } from '../../methods/basebackup/wal-archive-layout.js';
import { superviseWalReceiver } from '../../methods/basebackup/wal-receiver.js';
import type { WalReceiverReport } from '../../core/wal/wal-archive-health.js';
import { findArchivedNode, WalNotArchivedError } from '../../jobs/wal-archives.js';
import { openCatalog } from '../../runtime/catalog-session.js';
import type { Settings } from '../../runtime/settings.js';
import { actAsJobUser, actingForThisMachine } from '../act-as-job-user.js';
import { contextOf } from '../context.js';
import { hostname } from 'node:os';

export function registerWalReceive(program: Command): void {
  program
    .command('wal-receive')
    .description("stream a node's WAL into its archive with pg_receivewal, restarted with backoff, until stopped (what the daemon runs per archived node)")
    .requiredOption('--node <name>', 'the node whose WAL to receive (its walArchive names the slot)')
    .action(async (opts: { node: string }, command: Command) => {
      const ctx = contextOf(command);
      if ((await actAsJobUser(ctx, actingForThisMachine(ctx, 'write'))) === 'delegated') return;
      const found = await findArchivedNode(ctx.settings.stateDir, opts.node, ctx.settings.server);
      if ('error' in found) throw new WalNotArchivedError(found.error);
      const { server, serverSpec, node } = found;
      const interruption = trapInterruptions();
      const reporter = new CatalogReporter(ctx.settings, ctx.logger);
      try {
        const end = await superviseWalReceiver({
          node, server, archiveDir: walArchiveDirectory(backupRootOf(ctx.settings.stateDir, serverSpec), node.name), pgBinDirs: serverSpec.pgBinDirs,
          logger: ctx.logger.child({ node: node.name }), signal: interruption.signal,
          report: (r) => reporter.report(r),
          stillWanted: async () => !('error' in (await findArchivedNode(ctx.settings.stateDir, opts.node, server))),
        });
        ctx.logger.info({ node: node.name, end }, 'WAL receiver stopped');
      } finally {
        interruption.dispose();
        await reporter.close();
      }
    });
}

/** Opens the catalog when it answers and keeps it; a report while it is down is dropped (the next one follows). */
class CatalogReporter {
  private catalog: Catalog | null = null;
  private nextAttemptAt = 0;

  constructor(private readonly settings: Settings, private readonly logger: Logger) {}

  async report(r: WalReceiverReport): Promise<void> {
    if (!this.catalog) {
      if (Date.now() < this.nextAttemptAt) return;
      try {
        this.catalog = await openCatalog(this.settings, this.logger);
      } catch (err) {
        this.nextAttemptAt = Date.now() + 30_000;
        throw err;
      }
    }
    await this.catalog.walReceivers.report(r, { pid: process.pid, host: hostname() });
  }

  async close(): Promise<void> {
    await this.catalog?.close().catch(() => undefined);
  }
}
