// `pgbackops maintain`: spool ingest, abandoned-run and abandoned-restore sweeps, due one-off jobs (Snapshot, Restore), retention.
// Safe to run from cron or a loop, and concurrently with jobs: the sweep only touches definitions whose run
// lock it can take at once, and each one-off job is claimed by exactly one maintainer. Two maintains of one
// server never work at once: each holds the server's maintain lock (the server's schedule line and the daemon
// may both start one); a maintain that finds it taken skips (or waits, for `prune` run by hand). Dry runs and
// the daemon's one-off-only passes change nothing the lock guards and do not take it.
import { hostname } from 'node:os';
import type { Catalog, CatalogObject } from '../adapters/catalog/catalog.js';
import { MaintainLockBusyError } from '../adapters/catalog/maintain-lock.js';
import type { Logger } from '../adapters/logger.js';
import { isProcessAlive } from '../adapters/os/process-alive.js';
import { definitionsOfServer } from '../core/schedule/server-entries.js';
import { ingestSpool, type IngestOutcome } from './ingest-spool.js';
import { runDueOneOffs, type OneOffReport } from './one-off/run-due-one-offs.js';
import { pruneServer, type PruneOutcome } from './prune.js';
import { sweepAbandoned } from './sweep-abandoned.js';
import { backoffFromEnvironment, deliverNotifications, type DeliveryOutcome } from './notify/deliver-notifications.js';
import { evaluateAlerts } from './notify/evaluate-alerts.js';
import { serverSpecOf } from '../core/objects.js';
import { maintainOffsite, type OffsiteMaintainOutcome } from './offsite/maintain-offsite.js';

export interface MaintainRequest {
  stateDir: string;
  server: string;
  dryRun: boolean;
  forceRemoved: boolean;
  now: number;
  /** Retention only: no spool ingest, no sweep, no one-off jobs (`pgbackops prune`). */
  pruneOnly?: boolean;
  /** Due one-off jobs only (the daemon, when one is due): no spool ingest, no sweep, no retention. */
  oneOffsOnly?: boolean;
  /**
   * Records the restorable windows of the archives on this machine in the catalog, after WAL retention
   * (src/engine/restorable-windows.ts; the caller gives it, as jobs do not reach into the engine).
   */
  recordRestorableWindows?: (objects: readonly CatalogObject[]) => Promise<unknown>;
  /** How long to wait for another maintain of the server to finish; 0 (the default): skip at once. */
  lockWaitMs?: number;
}

export interface MaintainOutcome {
  spool: IngestOutcome;
  abandoned: string[];
  /** Restores left running on this host by a process that died. */
  abandonedRestores: string[];
  prune: PruneOutcome | null;
  oneOffs: OneOffReport[];
  /** Notifications sent from the outbox (cron-only servers have no daemon to send them); null when not run. */
  notifications?: DeliveryOutcome | null;
  /** Off-site copies made and remote retention (null when not run: no server spec, one-offs only, skipped). */
  offsite: OffsiteMaintainOutcome | null;
  /** Set when nothing was done because another maintain of the server held the lock: why, in words. */
  skipped?: string;
}

export async function maintainServer(catalog: Catalog, logger: Logger, request: MaintainRequest): Promise<MaintainOutcome> {
  if (request.dryRun || request.oneOffsOnly) return maintenanceWork(catalog, logger, request);
  const waitMs = request.lockWaitMs ?? 0;
  try {
    return await catalog.withMaintainLock(request.server, waitMs, async () => {
      logger.info({ server: request.server }, 'maintain lock taken');
      try {
        return await maintenanceWork(catalog, logger, request);
      } finally {
        logger.info({ server: request.server }, 'maintain finished; releasing the lock');
      }
    });
  } catch (err) {
    if (!(err instanceof MaintainLockBusyError) || waitMs > 0) throw err;
    logger.info({ server: request.server, reason: err.message }, 'maintain skipped');
    return { spool: { ingested: 0, quarantined: 0, remaining: 0 }, abandoned: [], abandonedRestores: [], prune: null, oneOffs: [], offsite: null, skipped: err.message };
  }
}

/** What one maintain does for the server (the caller holds the maintain lock when it must). */
async function maintenanceWork(catalog: Catalog, logger: Logger, request: MaintainRequest): Promise<MaintainOutcome> {
  const housekeeping = !request.dryRun && !request.pruneOnly && !request.oneOffsOnly;
  const spool = !housekeeping ? { ingested: 0, quarantined: 0, remaining: 0 } : await ingestSpool(request.stateDir, catalog.runs, logger, catalog.restores);
  const snapshot = await catalog.readSnapshot();
  const serverSpec = serverSpecOf(snapshot.objects, request.server);
  const abandoned: string[] = [];
  const abandonedRestores = housekeeping ? await catalog.restores.abandonDead(hostname(), isProcessAlive) : [];
  if (housekeeping) {
    for (const def of definitionsOfServer(snapshot.objects, request.server)) {
      // One definition's leftovers that cannot be cleared (a directory this user may not enter) must not stop
      // the sweep of the others, nor retention: the next run of that definition records why it fails.
      const swept = await sweepAbandoned(request.stateDir, def.name, {
        place: serverSpec ? { stateDir: request.stateDir, serverSpec, definition: def } : null,
        markAbandoned: () => catalog.runs.abandonRunning(request.server, def.name, []),
      }).catch((err: Error) => {
        logger.warn({ definition: def.name, err: err.message }, 'could not clear what killed runs left');
        return { abandoned: [], stopped: [], removed: [] };
      });
      if (swept.stopped.length > 0 || swept.removed.length > 0) {
        logger.warn({ definition: def.name, runs: swept.abandoned, stoppedPids: swept.stopped, removed: swept.removed }, 'stopped what a killed run left running and removed its temporary directories');
      }
      abandoned.push(...swept.abandoned);
    }
  }
  if (!serverSpec) {
    logger.warn({ server: request.server }, 'backup server not in the catalog; one-off jobs and retention skipped');
    return { spool, abandoned, abandonedRestores, prune: null, oneOffs: [], offsite: null };
  }
  const oneOffs = request.dryRun || request.pruneOnly ? [] : await runDueOneOffs(catalog, {
    stateDir: request.stateDir, server: request.server, serverSpec, logger, now: () => new Date(),
  });
  if (request.oneOffsOnly) return { spool, abandoned, abandonedRestores, prune: null, oneOffs, offsite: null };
  // Off-site copies before local retention: a backup whose copy is due (a spooled run, a retry) is copied
  // while its files are still there. Remote retention, in the same step, judges the copies alone. A failure
  // here is logged and leaves local retention to run.
  const offsite = await maintainOffsite(catalog, logger, {
    server: request.server, serverSpec, objects: snapshot.objects, dryRun: request.dryRun, pruneOnly: Boolean(request.pruneOnly), now: request.now,
  }).catch((err: Error) => {
    logger.error({ err: err.message }, 'off-site copies and remote retention failed');
    return null;
  });
  const prune = await pruneServer(catalog.runs, logger, {
    server: request.server, serverSpec, stateDir: request.stateDir, objects: snapshot.objects,
    dryRun: request.dryRun, forceRemoved: request.forceRemoved, now: request.now,
  });
  // The restorable windows of the archives here (after WAL retention), for status on other machines.
  if (!request.dryRun && request.recordRestorableWindows) {
    await request.recordRestorableWindows(snapshot.objects)
      .catch((err: Error) => logger.warn({ err: err.message }, 'could not record the restorable windows'));
  }
  const notifications = housekeeping ? await notify(catalog, logger, request, snapshot.objects) : null;
  return { spool, abandoned, abandonedRestores, prune, oneOffs, offsite, notifications };
}

/**
 * Lateness and reminders, then delivery of what the outbox holds for the server (including what the spool
 * ingest and the sweep above raised). A failure here is logged, not fatal: the outbox keeps it for next time.
 */
async function notify(catalog: Catalog, logger: Logger, request: MaintainRequest, objects: Parameters<typeof evaluateAlerts>[2]): Promise<DeliveryOutcome | null> {
  try {
    await evaluateAlerts(catalog, request.server, objects, logger, Date.now());
    return await deliverNotifications(catalog, request.server, logger, { backoff: backoffFromEnvironment() });
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'notifications not evaluated or delivered; the outbox keeps them for the next pass');
    return null;
  }
}
