// `pgbackops daemon`: wires the pieces together and runs until a signal.
//
// start: catalog (retried until reachable) -> which server -> daemon lock -> HTTP -> first full pass
// then:  full passes on file change / webhook / interval (jittered, backoff after failures), converge
//        passes on NOTIFY, all through one trigger queue (no overlap, coalescing); builtin scheduler and
//        maintain jobs as child processes.
// stop:  SIGTERM/SIGINT -> no new passes, the running pass finishes, children get SIGTERM then SIGKILL
//        after the grace period, connections closed, exit 0. A second signal exits at once (code 1).
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Server } from 'node:http';
import { Cron } from 'croner';
import { Catalog } from '../adapters/catalog/catalog.js';
import { resolveCatalogConnection } from '../adapters/catalog/local-catalog.js';
import type { Logger } from '../adapters/logger.js';
import { BuiltinTarget } from '../adapters/schedule/builtin-target.js';
import type { BackupServerSpec, NodeSpec } from '../core/model.js';
import { stanzaCheckStatuses, type StanzaCheckStatus } from '../core/methods/pgbackrest/stanza-check.js';
import { heldBackHint } from '../core/plan/held-back.js';
import type { PlanOptions } from '../core/plan/types.js';
import { selectServer } from '../core/select-server.js';
import { definitionsOfServer, isScheduled, type ServerDefinition } from '../core/schedule/server-entries.js';
import { gitSourceOf, type ConfigSourceFlags } from '../engine/config-source.js';
import type { DefinitionCache } from '../runtime/definition-cache.js';
import { loadDesired } from '../engine/load-desired.js';
import { resolveSettings, type GlobalFlags, type Settings } from '../runtime/settings.js';
import { BuiltinScheduler } from './builtin-scheduler.js';
import { ChildJobs } from './child-jobs.js';
import { WalReceivers } from './wal-receivers.js';
import type { ArchivedNode } from '../core/wal/archived-nodes.js';
import { walArchiveHealth, walArchiveStatus, type WalArchiveHealth } from '../core/wal/wal-archive-health.js';
import { DaemonConnection } from './daemon-connection.js';
import { passOk, type DaemonStatus } from './daemon-status.js';
import { definitionHealth, healthStateId, type HealthStateId } from '../core/reports/definition-health.js';
import { contractJson, jsonDocument } from '../core/render/json-contract.js';
import { VERSION } from '../runtime/version.js';
import { isoTimestamp } from '../core/time/iso-timestamp.js';
import { startHttpServer, yieldToEventLoop } from './http-server.js';
import { readDefinitionRuns, readStatusPage } from '../engine/status-page.js';
import type { PageDaemon } from '../core/reports/status-page-model.js';
import { readHttpAuthFile } from './status-page/http-auth.js';
import { staleWhileRefreshing } from './status-page/page-routes.js';
import { collectGarbage, memoryFigures } from './memory.js';
import { DaemonMetrics, type MetricDefinition } from './metrics.js';
import { readDatabaseBackupFigures, readRestoreOutcomes } from './scrape-figures.js';
import { nextPollDelayMs } from './poll-delay.js';
import { OneOffTrigger } from './one-off-trigger.js';
import { NotificationLoop } from './notification-loop.js';
import { backoffFromEnvironment } from '../jobs/notify/deliver-notifications.js';
import { ReconcileLoop, type PassSource } from './reconcile-loop.js';
import { readRunStats, type DefinitionRunStats } from '../adapters/catalog/run-stats.js';
import { installSignalHandlers } from './signals.js';
import { TriggerQueue, type PassRequest } from './trigger-queue.js';
import { watchConfigDir, type ConfigWatcher } from './watcher.js';
import { specsOfKind } from '../core/objects.js';

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

const CATALOG_RETRY_MAX_MS = 30_000;
/** Definitions whose health /status computes between two turns of the event loop. */
const HEALTH_PER_SLICE = 1000;
const RELOAD_EVERY_POLLS = 10;
/** The status page's data is read again when older than this (status-page/page-routes.ts). */
const PAGE_DATA_MAX_AGE_MS = 15_000;

export async function runDaemon(options: DaemonOptions): Promise<number> {
  const logger = options.logger;
  let stopRequested: ((signal: string) => void) | null = null;
  const stopped = new Promise<string>((resolve) => (stopRequested = resolve));
  let stopping = false;
  const children = new ChildJobs(logger.child({ component: 'jobs' }));
  let walReceivers: WalReceivers | null = null;
  const removeSignals = installSignalHandlers({
    stop: (signal) => {
      logger.info({ signal }, 'stopping: finishing the current pass');
      stopping = true;
      stopRequested?.(signal);
    },
    force: (signal) => {
      logger.warn({ signal }, 'second signal: exiting now');
      walReceivers?.kill();
      void children.stopAll(0).finally(() => process.exit(1));
    },
    reload: () => reload(),
  });

  let settings = resolveSettings(options.flags);
  let webhookSecret = readSecret(options.webhookSecretFile);
  let httpAuth = options.httpAuthFile ? readHttpAuthFile(options.httpAuthFile) : null;
  const git = await gitSourceOf(options.source, settings.stateDir);
  const localDir = options.source.config ?? settings.configDir;
  const source: PassSource = git
    ? {
        description: git.description,
        revision: () => git.fetchRevision(),
        checkout: async (revision, since) => {
          const c = await git.checkout(revision!, git.verifiesSignatures ? await since() : null);
          await git.pruneTrees(c.commit).catch(() => undefined);
          return c.dir;
        },
      }
    : { description: `directory ${localDir}`, revision: async () => null, checkout: async () => localDir };

  // The catalog: retried until reachable (a daemon started before its catalog should wait, not crash).
  const catalogLog = logger.child({ component: 'catalog' });
  let catalog: Catalog | null = null;
  let catalogConfig: Awaited<ReturnType<typeof resolveCatalogConnection>> | null = null;
  for (let attempt = 0; !catalog && !stopping; attempt++) {
    try {
      catalogConfig = await resolveCatalogConnection({ catalogUrl: settings.catalogUrl, stateDir: settings.stateDir, logger: catalogLog });
      catalog = await Catalog.open(catalogConfig, { logger: catalogLog, applicationName: 'pgbackops daemon' });
    } catch (err) {
      const delay = Math.min(CATALOG_RETRY_MAX_MS, 500 * 2 ** attempt);
      catalogLog.error({ err: (err as Error).message, retryInMs: delay }, 'catalog unreachable at start; retrying');
      await Promise.race([sleep(delay), stopped]);
    }
  }
  if (!catalog || !catalogConfig) {
    removeSignals();
    return 0;
  }

  let connection: DaemonConnection | null = null;
  let http: Server | null = null;
  // Stopped in `finally` too: its LISTEN connection would keep a daemon that failed to start (a --listen
  // address in use) from exiting.
  let notifications: NotificationLoop | null = null;
  try {
    const server = await chooseServer(settings, catalog, source);
    settings = { ...settings, server };
    const status: DaemonStatus = {
      server, source: source.description, startedAt: new Date().toISOString(), appliedRevision: null, appliedAt: null, heldBack: [],
      lastPass: null, lastFullPass: null, rejected: null, catalogConnected: false, driftCorrections: 0,
    };
    const metrics = new DaemonMetrics(server);
    const log = logger.child({ server });

    let queue: TriggerQueue | null = null;
    // Highest catalog version announced by NOTIFY: a notification of this daemon's own apply (it may arrive
    // while that pass still runs) needs no converge pass.
    let notifiedVersion = 0;
    let loop: ReconcileLoop | null = null;
    connection = new DaemonConnection(catalogConfig, server, log.child({ component: 'listener' }), {
      onWake: (payload) => {
        if (payload === 'reconnected') return queue?.trigger('converge', 'catalog reconnected');
        notifiedVersion = Math.max(notifiedVersion, Number(payload) || 0);
        queue?.trigger('converge', 'notify');
      },
      onLockLost: (why) => {
        log.fatal({ why }, 'the daemon lock of this server was taken by another daemon while disconnected; stopping');
        process.exitCode = 1;
        stopping = true;
        stopRequested?.('lock lost');
      },
    });
    await connection.start();
    log.info({ source: source.description, intervalMs: options.intervalMs }, 'daemon lock taken; starting');

    // State kept between passes for /status and the builtin scheduler.
    const asMetricDefinitions = (defs: readonly ServerDefinition[]): MetricDefinition[] =>
      defs.map((d) => ({ name: d.name, node: d.node.name, schedule: d.backup.resolvedSchedule, timezone: d.backup.timezone, scheduled: isScheduled(d) }));
    // The definitions the catalog holds for this server now, so that the first scrape (before the first pass
    // converges) already has a state series for each, never run included; every converge replaces them.
    let definitions: MetricDefinition[] = await catalog.readSnapshot()
      .then((snapshot) => asMetricDefinitions(definitionsOfServer(snapshot.objects, server)))
      .catch((err: Error) => {
        log.warn({ err: err.message }, 'could not read the definitions of this server before the first pass');
        return [];
      });
    let runStats = new Map<string, DefinitionRunStats>();
    let builtin: BuiltinScheduler | null = null;
    const readStats = async (): Promise<Map<string, DefinitionRunStats>> => {
      if (connection?.connected) {
        runStats = await readRunStats((sql, params) => connection!.query(sql, params), { server }).catch((err: Error) => {
          log.warn({ err: err.message }, 'could not read run statistics');
          return runStats;
        });
      }
      return runStats;
    };
    walReceivers = new WalReceivers({
      settings: () => settings, server, logger: log.child({ component: 'wal' }),
      catalogObjects: async () => (await catalog!.readSnapshot()).objects,
      forgetReport: (node) => catalog!.walReceivers.forget(node, server),
    });
    let walArchives: ArchivedNode[] = [];
    /** The health of this server's WAL archives, from their receivers' reports in the catalog. */
    const readWalHealth = async (): Promise<WalArchiveHealth[]> => {
      if (walArchives.length === 0) return [];
      const reports = new Map((await catalog!.walReceivers.list(server).catch((err: Error) => {
        log.warn({ err: err.message }, 'could not read the WAL receivers\' reports');
        return [];
      })).map((r) => [r.node, r]));
      const now = Date.now();
      return walArchives.map((a) => walArchiveHealth(a.name, a.walArchive, reports.get(a.name) ?? null, now));
    };
    // The nodes of this server's definitions that declare a pgBackRest stanza, and the stanzas' last checks.
    let stanzaNodes: Array<{ name: string; spec: NodeSpec }> = [];
    const readStanzaChecks = async (): Promise<StanzaCheckStatus[]> => {
      if (stanzaNodes.length === 0) return [];
      const records = await catalog!.stanzaChecks.list(server).catch((err: Error) => {
        log.warn({ err: err.message }, 'could not read the pgBackRest stanza checks');
        return null;
      });
      return records === null ? [] : stanzaCheckStatuses(stanzaNodes, records, server);
    };
    const onConverged = async (cache: DefinitionCache): Promise<void> => {
      walArchives = cache.walArchives ?? [];
      stanzaNodes = [...new Map(cache.definitions.filter((d) => d.node.pgbackrest).map((d) => [d.node.name, { name: d.node.name, spec: d.node }])).values()];
      // Not awaited: stopping a receiver waits for pg_receivewal to flush, which must not hold the pass.
      void walReceivers!.sync(walArchives);
      definitions = asMetricDefinitions(cache.definitions);
      const spec: BackupServerSpec | null = cache.serverSpec;
      if (spec?.scheduler.type === 'builtin') {
        builtin ??= new BuiltinScheduler({
          settings: () => settings, server, logger: log.child({ component: 'scheduler' }), children, metrics, catchUpWindowMs: options.catchUpWindowMs,
        });
        const observed = await new BuiltinTarget(server, { binary: settings.binary, stateDir: settings.stateDir }).read();
        await builtin.sync(observed.entries.filter((e) => !e.edited), Date.now());
      } else if (builtin) {
        await builtin.stop();
        builtin = null;
      }
    };

    loop = new ReconcileLoop({
      settings: () => settings, logger: log.child({ component: 'reconcile' }), catalog, server, source, planOptions: options.planOptions,
      metrics, status, onConverged,
    });

    // Interval passes, rescheduled after every full pass (jitter, or backoff after failures).
    let pollTimer: NodeJS.Timeout | null = null;
    const schedulePoll = (): void => {
      if (pollTimer) clearTimeout(pollTimer);
      if (stopping) return;
      const delay = nextPollDelayMs(options.intervalMs, loop!.consecutiveFailures, Math.random());
      pollTimer = setTimeout(() => queue?.trigger('full', 'interval'), delay);
    };
    const oneOffs = new OneOffTrigger({
      nextDue: () => catalog!.oneOffs.nextDue(server),
      runDue: () => children.run(settings, server, ['maintain', '--one-offs-only'], 'one-off jobs'),
      logger: log.child({ component: 'one-offs' }),
    });
    const notifier = new NotificationLoop({
      catalog, config: catalogConfig, server, logger: log.child({ component: 'notifications' }), backoff: backoffFromEnvironment(), evaluateEveryMs: 60_000,
    });
    notifications = notifier;
    await notifier.start();
    queue = new TriggerQueue(async (request) => {
      const onlyOwnNotify = request.kind === 'converge' && request.reasons.every((r) => r === 'notify') && notifiedVersion <= (loop!.ownCatalogVersion ?? -1);
      if (onlyOwnNotify) return;
      const record = await loop!.run(downgradeQuietPoll(request));
      // The pass may have applied a one-off job (or another process did, and NOTIFY brought us here).
      oneOffs.poke();
      // After full passes only (they load the whole configuration); a collection costs tens of milliseconds.
      if (record.kind === 'full') collectGarbage();
      if (record.kind === 'full') await notifier.observePass(record);
      if (request.reasons.includes('interval') || request.kind === 'full' || loop!.consecutiveFailures > 0) schedulePoll();
    }, (err) => log.error({ err: (err as Error).message }, 'pass crashed'));

    // A watched directory is re-read when the watcher reports a change. Interval passes then only converge
    // the schedule (drift) and re-read the whole directory every RELOAD_EVERY_POLLS-th time, as a safety net
    // for events a file system did not deliver: reading 10,000 definitions costs about a second of CPU.
    let directoryChanged = true;
    let quietPolls = 0;
    const downgradeQuietPoll = (request: PassRequest): PassRequest => {
      if (request.kind !== 'full') return request;
      const onlyInterval = request.reasons.every((r) => r === 'interval');
      if (!git && onlyInterval && !directoryChanged && quietPolls < RELOAD_EVERY_POLLS - 1) {
        quietPolls++;
        return { kind: 'converge', reasons: request.reasons };
      }
      quietPolls = 0;
      directoryChanged = false;
      return request;
    };

    const httpLog = log.child({ component: 'http' });
    const pageData = staleWhileRefreshing(PAGE_DATA_MAX_AGE_MS, () => readStatusPage(catalog!, Date.now()));
    const started = await startHttpServer(options.listen, {
      ready: async () => {
        status.catalogConnected = connection?.connected ?? false;
        if (!status.catalogConnected) return { ok: false, why: 'catalog unreachable' };
        if (!status.lastFullPass) return { ok: false, why: 'first pass not finished' };
        if (status.rejected) return { ok: false, why: `revision ${status.rejected.revision} ${status.rejected.result}: ${status.rejected.error}` };
        if (!passOk(status.lastFullPass)) return { ok: false, why: `last pass ${status.lastFullPass.result}: ${status.lastFullPass.error ?? ''}` };
        const partially = status.heldBack.length > 0 ? ` applied with ${status.heldBack.length} action(s) held back (${heldBackHint(status.heldBack)})` : '';
        return { ok: true, why: `revision ${status.appliedRevision ?? 'none'}${partially}` };
      },
      metrics: async () => {
        const listed = definitions;
        const query = <R extends Record<string, unknown>>(sql: string, params: unknown[]) => connection!.query<R>(sql, params);
        const [stats, databases, restores] = connection?.connected
          ? await Promise.all([
              readStats(),
              readDatabaseBackupFigures(query, server),
              readRestoreOutcomes(query, listed.map((d) => d.name)),
            ])
          : [runStats, [], []];
        metrics.backups({ now: Date.now(), definitions: listed, stats, databases, restores });
        if (connection?.connected) {
          metrics.walArchives(await readWalHealth());
          metrics.pgbackrestStanzas(await readStanzaChecks());
        }
        return { contentType: metrics.contentType, body: await metrics.text() };
      },
      status: async () => {
        status.catalogConnected = connection?.connected ?? false;
        const stats = await readStats();
        const now = Date.now();
        // In slices, the event loop free in between: /healthz and webhooks must not wait for 10,000 definitions.
        const listed = definitions;
        const health: unknown[] = [];
        const summary: Partial<Record<HealthStateId, number>> = {};
        for (let start = 0; start < listed.length; start += HEALTH_PER_SLICE) {
          if (start > 0) await yieldToEventLoop();
          for (const d of listed.slice(start, start + HEALTH_PER_SLICE)) {
            const s = stats.get(d.name);
            const h = definitionHealth(d, s, now);
            const state = healthStateId(h.state);
            summary[state] = (summary[state] ?? 0) + 1;
            // Each item in the JSON contract's spelling here, a slice at a time, as the list is sent.
            health.push(contractJson({ ...h, state, lastSuccessAt: iso(s?.lastSuccessAt), lastFailureAt: iso(s?.lastFailureAt), lastStatus: s?.lastStatus ?? null }));
          }
        }
        return {
          // The same JSON contract as the CLI's documents (docs/cli.md, "JSON output"): `status --daemon --json`
          // passes it on.
          fields: jsonDocument({
            ...status, revision: status.appliedRevision, ready: status.catalogConnected && !status.rejected && passOk(status.lastFullPass),
            builtinJobs: builtin?.scheduled ?? null, runningJobs: children.count, memory: memoryFigures(), summary,
            walArchives: (await readWalHealth()).map(walArchiveStatus),
            pgbackrestStanzas: await readStanzaChecks(),
          }, VERSION, { maps: ['summary'] }),
          listKey: 'definitions',
          list: health,
        };
      },
      webhookSecret: () => webhookSecret,
      onWebhook: () => queue?.trigger('full', 'webhook'),
      page: {
        // The daemon's own state is always current (a refused revision shows at once); the rest may lag.
        data: async () => ({ ...(await pageData()), daemon: pageDaemon(status, connection?.connected ?? false) }),
        definitionRuns: (name) => readDefinitionRuns(catalog!, name),
      },
      auth: () => httpAuth,
    }, httpLog);
    http = started.server;

    let watcher: ConfigWatcher | null = null;
    if (!git) {
      const watchLog = log.child({ component: 'watcher' });
      watcher = await watchConfigDir(localDir, (path) => {
        watchLog.debug({ path }, 'configuration changed');
        directoryChanged = true;
        queue?.trigger('full', 'file change');
      });
    }
    const maintain = options.maintainSchedule
      ? new Cron(options.maintainSchedule, { protect: true, legacyMode: true, name: 'pgbackops-maintain' }, async () => {
          await children.run(settings, server, ['maintain'], 'maintain');
        })
      : null;

    queue.trigger('full', 'start');
    const signal = await stopped;
    log.info({ signal }, 'shutting down');
    if (pollTimer) clearTimeout(pollTimer);
    maintain?.stop();
    oneOffs.stop();
    await notifier.stop();
    await watcher?.close();
    await queue.close();
    await (builtin as BuiltinScheduler | null)?.stop();
    await Promise.all([children.stopAll(options.graceMs), walReceivers.stopAll(options.graceMs)]);
    log.info('stopped');
    return Number(process.exitCode ?? 0);
  } finally {
    removeSignals();
    await notifications?.stop();
    if (http) {
      const closing = new Promise<void>((resolve) => http!.close(() => resolve()));
      http.closeAllConnections(); // idle keep-alive connections (a Prometheus scraper) must not delay the exit
      await closing;
    }
    await connection?.close();
    await catalog.close().catch(() => undefined);
  }

  function reload(): void {
    try {
      const server = settings.server;
      settings = { ...resolveSettings(options.flags), server };
      webhookSecret = readSecret(options.webhookSecretFile);
      httpAuth = options.httpAuthFile ? readHttpAuthFile(options.httpAuthFile) : null;
      logger.info('settings reloaded (SIGHUP)');
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'reload failed; keeping the previous settings');
    }
  }
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

function readSecret(file: string | undefined): string | null {
  if (!file) return null;
  const secret = readFileSync(file, 'utf8').trim();
  if (secret === '') throw new Error(`the webhook secret file ${file} is empty`);
  return secret;
}

/** What the status page shows of this daemon. */
function pageDaemon(status: DaemonStatus, connected: boolean): PageDaemon {
  return {
    server: status.server, source: status.source, startedAt: status.startedAt, catalogConnected: connected,
    ready: connected && !status.rejected && passOk(status.lastFullPass),
    lastPass: status.lastPass && { result: status.lastPass.result, finishedAt: status.lastPass.finishedAt, error: status.lastPass.error },
    rejected: status.rejected && { revision: status.rejected.revision, result: status.rejected.result, error: status.rejected.error, since: status.rejected.since },
  };
}

function iso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : isoTimestamp(ms);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
