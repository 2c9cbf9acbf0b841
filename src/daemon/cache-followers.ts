// What follows the definition cache after every pass that converged (docs/architecture.md, the daemon): the WAL
// receivers of the server's archived nodes (wal-supervisor), the builtin scheduler (builtin-schedule-sync) and
// the definitions /metrics and /status report on (reported-definitions). One unit so that the wiring hands the
// reconcile loop a single `follow` and the endpoints the three followers.
import type { Catalog } from '../adapters/catalog/catalog.js';
import type { DefinitionCache } from '../runtime/definition-cache.js';
import { BuiltinScheduleSync } from './builtin-schedule-sync.js';
import type { BuiltinSchedulerOptions } from './builtin-scheduler.js';
import type { DaemonConnection } from './daemon-connection.js';
import { ReportedDefinitions } from './reported-definitions.js';
import { WalSupervisor } from './wal-supervisor.js';

export interface CacheFollowersOptions extends BuiltinSchedulerOptions {
  catalog: Catalog;
  connection: DaemonConnection;
}

export class CacheFollowers {
  private constructor(readonly wal: WalSupervisor, readonly builtin: BuiltinScheduleSync, readonly definitions: ReportedDefinitions) {}

  /** `logger`: the server's; the scheduler logs as its `scheduler` component, the receivers as `wal`. */
  static async start(o: CacheFollowersOptions): Promise<CacheFollowers> {
    const definitions = await ReportedDefinitions.read(o.catalog, o.server, o.connection, o.logger);
    const wal = new WalSupervisor({ settings: o.settings, server: o.server, catalog: o.catalog, logger: o.logger });
    const builtin = new BuiltinScheduleSync({
      settings: o.settings, server: o.server, logger: o.logger.child({ component: 'scheduler' }), children: o.children, metrics: o.metrics, catchUpWindowMs: o.catchUpWindowMs,
    });
    return new CacheFollowers(wal, builtin, definitions);
  }

  /** After a pass that converged: each follower takes the cache's part it follows. */
  async follow(cache: DefinitionCache): Promise<void> {
    this.wal.follow(cache.walArchives ?? []);
    this.definitions.replace(cache.definitions);
    await this.builtin.follow(cache.serverSpec);
  }
}
