// Loop 2 (docs/architecture.md): a backup server converges its own schedule (and definition cache) from the
// catalog, whoever applied the configuration. Used by the daemon after a NOTIFY, on its drift pass, and by
// servers that never apply themselves. A server the catalog no longer has (removed from the configuration
// and applied from elsewhere) converges to an empty schedule, in the target this state directory remembers.
import type { Catalog } from '../adapters/catalog/catalog.js';
import type { Logger } from '../adapters/logger.js';
import type { BackupServerSpec } from '../core/model.js';
import { entriesExpectedIn, planSchedule } from '../core/plan/plan-schedule.js';
import type { ScheduleAction } from '../core/plan/types.js';
import { scheduleEntriesOf, scheduleEntriesOfServer } from '../core/schedule/server-entries.js';
import { serverSpecOf } from '../core/objects.js';
import { buildDefinitionCache, readDefinitionCache, writeDefinitionCache } from '../runtime/definition-cache.js';
import { lineOptionsOf, scheduleTargetOf } from './plan-state.js';
import type { Settings } from '../runtime/settings.js';
import { grantJobUser } from './job-user-access.js';
import { convergePgbackrestConfig, stanzaCheckRecords, type PgbackrestConvergence } from './pgbackrest-config.js';
import { readRememberedServer, rememberScheduledServer } from './remembered-server.js';

export interface ScheduleConvergence {
  server: string;
  catalogVersion: number;
  actions: ScheduleAction[];
  /** Problems of the managed file/block that the write fixed. */
  problems: string[];
  written: boolean;
  /**
   * The server's pgBackRest configuration file, when it had to be written (its stanzas were then created and
   * checked, and the checks recorded); null when it needed nothing or the server has none.
   */
  pgbackrest: PgbackrestConvergence | null;
  /** The file was rewritten although the catalog did not move since this state directory last converged: a hand edit healed. */
  pgbackrestDrift: boolean;
}

export async function convergeScheduleFromCatalog(
  settings: Settings,
  logger: Logger,
  catalog: Catalog,
  server: string,
  options: { dryRun?: boolean } = {},
): Promise<ScheduleConvergence> {
  const snapshot = await catalog.readSnapshot();
  const inCatalog = serverSpecOf(snapshot.objects, server);
  const spec = inCatalog ?? (await removedServerSpec(settings, server, snapshot.lastAppliedRevision));
  const target = scheduleTargetOf(settings, server, spec);
  const observed = await target.read();
  const line = lineOptionsOf(settings, server, spec);
  const entries = scheduleEntriesOfServer(snapshot.objects, server, line);
  // Drift is what differs from what was last written here: the definition cache is written with every
  // schedule write (apply, converge), so it says what the schedule held before the catalog moved.
  const lastCache = await readDefinitionCache(settings.stateDir, server);
  const lastWritten = lastCache ? scheduleEntriesOf(lastCache.definitions, lastCache.serverSpec, server, line) : [];
  const actions = planSchedule(entries, observed.entries, entriesExpectedIn(observed, lastWritten));
  const problems = observed.problems ?? [];
  const needsWrite = actions.length > 0 || problems.length > 0;
  let pgbackrest: PgbackrestConvergence | null = null;
  if (!options.dryRun) {
    await rememberScheduledServer(settings.stateDir, server, spec);
    const cache = buildDefinitionCache(snapshot.objects, server, snapshot.lastAppliedRevision ?? '', snapshot.version);
    await writeDefinitionCache(settings.stateDir, cache);
    if (cache.serverSpec) await grantJobUser(settings.stateDir, server, cache.serverSpec);
    if (needsWrite) {
      await target.write(entries);
      logger.info({ server, target: target.description, actions: actions.length, problems: problems.length }, 'schedule converged from the catalog');
    }
    // The pgBackRest file like the cron entries (docs/pgbackrest.md): rewritten only when it differs, and then
    // its stanzas created and checked. A removed server's file is apply's to empty (its nodes are gone too).
    if (inCatalog) {
      const converged = await convergePgbackrestConfig(settings.stateDir, logger, server, spec, snapshot.objects, { onlyWhenChanged: true });
      if (converged && converged.change.kind !== 'unchanged') {
        pgbackrest = converged;
        await catalog.stanzaChecks.record(stanzaCheckRecords(server, converged, 'daemon', Date.now()), { allOf: server });
      }
    }
  }
  // A write the catalog did not cause: what this state directory last converged was this catalog version.
  const pgbackrestDrift = pgbackrest !== null && pgbackrest.written && lastCache?.catalogVersion === snapshot.version;
  return { server, catalogVersion: snapshot.version, actions, problems, written: needsWrite && !options.dryRun, pgbackrest, pgbackrestDrift };
}

/**
 * The last known spec of a server the catalog does not have, if it was removed: the catalog has been applied
 * (an empty catalog says nothing about what was removed) and this state directory converged its schedule.
 */
async function removedServerSpec(settings: Settings, server: string, lastAppliedRevision: string | null): Promise<BackupServerSpec> {
  const remembered = lastAppliedRevision === null ? null : await readRememberedServer(settings.stateDir, server);
  if (!remembered) throw new Error(`backup server ${server} is not in the catalog`);
  return remembered.spec;
}
