// `pgbackops daemon`: wires the pieces together and runs until a signal. Each piece is a file of its own;
// this function only starts them in order and stops them in reverse.
//
// start: settings (reloadable-settings) -> source (daemon-source) -> catalog, retried until reachable
//        (open-catalog) -> which server -> daemon lock (daemon-connection) -> HTTP (daemon-endpoints) -> first
//        full pass
// then:  full passes on file change / webhook / interval, converge passes on NOTIFY, all through one queue
//        (daemon-passes, pass-policy, poll-delay); after each pass the WAL receivers (wal-supervisor), the
//        builtin scheduler (builtin-schedule-sync) and the reported definitions follow the definition cache
//        (cache-followers),
//        due one-off jobs start and full passes' outcomes go to notifications (notification-loop); jobs run as
//        child processes (child-jobs).
// stop:  SIGTERM/SIGINT -> no new passes, the running pass finishes, children get SIGTERM then SIGKILL
//        after the grace period, connections closed, exit 0. A second signal exits at once (code 1).
import { specsOfKind } from '../core/objects.js';
import { hostname } from 'node:os';
import type { Server } from 'node:http';
import { Cron } from 'croner';
import type { Catalog } from '../adapters/catalog/catalog.js';
import type { Logger } from '../adapters/logger.js';
import type { BackupServerSpec } from '../core/model.js';
import type { PlanOptions } from '../core/plan/types.js';
import { selectServer } from '../core/select-server.js';
import type { ConfigSourceFlags } from '../engine/config-source.js';
import { loadDesired } from '../engine/load-desired.js';
import type { DirectoryChanges } from './directory-changes.js';
import type { GlobalFlags, Settings } from '../runtime/settings.js';
import { CacheFollowers } from './cache-followers.js';
import { ChildJobs } from './child-jobs.js';
import { DaemonConnection, type DaemonConnectionEvents } from './daemon-connection.js';
import { daemonEndpoints } from './daemon-endpoints.js';
import { DaemonPasses } from './daemon-passes.js';
import { daemonSourceOf } from './daemon-source.js';
import { startHttpServer } from './http-server.js';
import { DaemonMetrics } from './metrics.js';
import { startNotificationLoop, type NotificationLoop } from './notification-loop.js';
import { OneOffTrigger } from './one-off-trigger.js';
import { openCatalogWhenReachable } from './open-catalog.js';
import { PassPolicy } from './pass-policy.js';
import { FILE_CHANGE, ReconcileLoop, type PassSource } from './reconcile-loop.js';
import { ReloadableSettings } from './reloadable-settings.js';
import { installSignalHandlers, type SignalHandlers } from './signals.js';
import { initialStatus } from './status-document.js';
import { StopRequest } from './stop-request.js';
import { WalSupervisor } from './wal-supervisor.js';
import { watchConfigDir, type ConfigWatcher } from './watcher.js';

export interface DaemonOptions {
  flags: GlobalFlags;
  source: ConfigSourceFlags;
  intervalMs: number;
  listen: string;
  webhookSecretFile?: string;
  /** Credentials for the HTTP endpoints (status-page/http-auth.ts); none when absent. */
  httpAuthFile?: string;
  planOptions: PlanOptions;
  catchUpWindowMs: number;
  /** Cron expression for maintain runs of the daemon's own, besides the server's maintenance line; null for none. */
  maintainSchedule: string | null;
  graceMs: number;
  logger: Logger;
}

export async function runDaemon(options: DaemonOptions): Promise<number> {
  const logger = options.logger;
  const settings = new ReloadableSettings(options, logger);
  const stop = new StopRequest();
  const children = new ChildJobs(logger.child({ component: 'jobs' }));
  let wal: WalSupervisor | null = null;
  const removeSignals = installSignalHandlers(signalHandlers(logger, stop, settings, children, () => wal));
  const { source, watchedDir, changes } = await daemonSourceOf(options.source, settings.current);
  const opened = await openCatalogWhenReachable(settings.current, logger.child({ component: 'catalog' }), stop);
  if (!opened) {
    removeSignals();
    return 0;
  }
  const { catalog } = opened;
  let connection: DaemonConnection | null = null;
  let http: Server | null = null;
  // Stopped in `finally` too: its LISTEN connection would keep a daemon that failed to start (a --listen
  // address in use) from exiting.
  let notifications: NotificationLoop | null = null;
  try {
    const server = await chooseServer(settings.current, catalog, source);
    settings.keepServer(server);
    const status = initialStatus(server, source.description, new Date().toISOString());
    const metrics = new DaemonMetrics(server);
    const log = logger.child({ server });
    const policy = new PassPolicy(watchedDir !== null);
    let passes: DaemonPasses | null = null;
    connection = new DaemonConnection(opened.config, server, log.child({ component: 'listener' }), connectionEvents(log, stop, policy, () => passes));
    await connection.start();
    log.info({ source: source.description, intervalMs: options.intervalMs }, 'daemon lock taken; starting');

    const current = () => settings.current;
    const followers = await CacheFollowers.start({ settings: current, server, catalog, connection, logger: log, children, metrics, catchUpWindowMs: options.catchUpWindowMs });
    const { definitions, builtin } = followers;
    wal = followers.wal;
    const loop = new ReconcileLoop({
      settings: current, logger: log.child({ component: 'reconcile' }), catalog, server, source, planOptions: options.planOptions, metrics, status, onConverged: (cache) => followers.follow(cache),
    });
    const oneOffs = new OneOffTrigger({
      nextDue: () => catalog.oneOffs.nextDue(server),
      runDue: () => children.run(settings.current, server, ['maintain', '--one-offs-only'], 'one-off jobs'),
      logger: log.child({ component: 'one-offs' }),
    });
    const notifier = await startNotificationLoop({ catalog, config: opened.config, server, logger: log.child({ component: 'notifications' }) });
    notifications = notifier;
    passes = new DaemonPasses({
      loop, policy, intervalMs: options.intervalMs, stop, logger: log,
      afterPass: async (record) => {
        // The pass may have applied a one-off job (or another process did, and NOTIFY brought us here).
        oneOffs.poke();
        if (record.kind === 'full') await notifier.observePass(record);
      },
    });
    const endpoints = daemonEndpoints({
      server, stateDir: settings.current.stateDir, status, connection, catalog, metrics, definitions, wal, builtin, children, settings, onWebhook: () => passes?.trigger('full', 'webhook'), logger: log.child({ component: 'http' }),
    });
    http = (await startHttpServer(options.listen, endpoints, log.child({ component: 'http' }))).server;
    const watcher = await watchSourceDirectory(watchedDir, log.child({ component: 'watcher' }), policy, passes, changes);
    const maintain = options.maintainSchedule ? maintainCron(options.maintainSchedule, () => children.run(settings.current, server, ['maintain'], 'maintain')) : null;

    passes.trigger('full', 'start');
    const signal = await stop.reason;
    log.info({ signal }, 'shutting down');
    maintain?.stop();
    oneOffs.stop();
    await notifier.stop();
    await watcher?.close();
    await passes.close();
    await builtin.stop();
    await Promise.all([children.stopAll(options.graceMs), wal.stopAll(options.graceMs)]);
    log.info('stopped');
    return Number(process.exitCode ?? 0);
  } finally {
    removeSignals();
    await notifications?.stop();
    if (http) await closeHttpServer(http);
    await connection?.close();
    await catalog.close().catch(() => undefined);
  }
}

/**
 * A watched directory's changes: the pass policy learns of each, the path is noted for the pass to read (it
 * reads only the changed files), and a full pass follows (coalesced by the queue).
 */
async function watchSourceDirectory(dir: string | null, log: Logger, policy: PassPolicy, passes: DaemonPasses, changes: DirectoryChanges | null): Promise<ConfigWatcher | null> {
  if (dir === null) return null;
  return watchConfigDir(dir, (path) => {
    log.debug({ path }, 'configuration changed');
    changes?.note(path);
    policy.directoryChangedNow();
    passes.trigger('full', FILE_CHANGE);
  });
}

/** --server, else the catalog's or the configuration's BackupServer whose host is this machine (or the only one). */
async function chooseServer(settings: Settings, catalog: Catalog, source: PassSource): Promise<string> {
  if (settings.server) return settings.server;
  const fromCatalog = specsOfKind((await catalog.readSnapshot()).objects, 'BackupServer');
  let servers = fromCatalog;
  if (servers.length === 0) {
    const loaded = await loadDesired(await source.checkout(await source.revision(), () => catalog.lastAppliedRevision()));
    servers = specsOfKind(loaded.config?.objects ?? [], 'BackupServer');
  }
  const choice = selectServer(servers, undefined, [hostname()]);
  if ('error' in choice) throw new Error(choice.error);
  if (choice.server === null) throw new Error(`${choice.note}; the daemon needs one: pass --server NAME`);
  return choice.server;
}

/** SIGTERM/SIGINT stop gracefully; a second one exits at once, killing the children; SIGHUP reloads the settings. */
function signalHandlers(logger: Logger, stop: StopRequest, settings: ReloadableSettings, children: ChildJobs, wal: () => WalSupervisor | null): SignalHandlers {
  return {
    stop: (signal) => {
      logger.info({ signal }, 'stopping: finishing the current pass');
      stop.request(signal);
    },
    force: (signal) => {
      logger.warn({ signal }, 'second signal: exiting now');
      wal()?.kill();
      void children.stopAll(0).finally(() => process.exit(1));
    },
    reload: () => settings.reload(),
  };
}

/**
 * NOTIFY of an apply (its payload the new catalog version) asks for a converge pass, as does a reconnection
 * (notifications may have been missed); losing the server's lock to another daemon stops this one (exit 1).
 */
function connectionEvents(log: Logger, stop: StopRequest, policy: PassPolicy, passes: () => DaemonPasses | null): DaemonConnectionEvents {
  return {
    onWake: (payload) => {
      if (payload === 'reconnected') return passes()?.trigger('converge', 'catalog reconnected');
      policy.notified(payload);
      passes()?.trigger('converge', 'notify');
    },
    onLockLost: (why) => {
      log.fatal({ why }, 'the daemon lock of this server was taken by another daemon while disconnected; stopping');
      process.exitCode = 1;
      stop.request('lock lost');
    },
  };
}

/** `maintain` runs of the daemon's own (--maintain-schedule), besides the server's maintenance line; never two at once. */
function maintainCron(schedule: string, run: () => Promise<unknown>): Cron {
  return new Cron(schedule, { protect: true, legacyMode: true, name: 'pgbackops-maintain' }, async () => {
    await run();
  });
}

/** Stops listening and closes idle keep-alive connections too: a Prometheus scraper's must not delay the exit. */
function closeHttpServer(http: Server): Promise<void> {
  const closing = new Promise<void>((resolve) => http.close(() => resolve()));
  http.closeAllConnections();
  return closing;
}
