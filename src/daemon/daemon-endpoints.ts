// What the daemon's HTTP endpoints (http-server.ts) answer, from its parts: /readyz and /status from the
// status record (composed by readiness.ts and status-document.ts), /metrics from the catalog's figures read
// per scrape, the status page from the catalog (read again when older than PAGE_DATA_MAX_AGE_MS) with the
// daemon's own state always current, so that a refused revision shows at once. The status record's
// catalogConnected is refreshed from the daemon's connection at every request that shows it.
import type { Catalog } from '../adapters/catalog/catalog.js';
import { walArchiveStatus } from '../core/wal/wal-archive-health.js';
import { restorableWindowStatus, type WindowVerdict } from '../core/wal/restorable-window.js';
import { readRestorableWindows } from '../engine/restorable-windows.js';
import { stanzaCheckStatuses, type StanzaCheckStatus } from '../core/methods/pgbackrest/stanza-check.js';
import type { Logger } from '../adapters/logger.js';
import { readDefinitionRuns, readStatusPage } from '../engine/status-page.js';
import type { BuiltinScheduleSync } from './builtin-schedule-sync.js';
import type { ChildJobs } from './child-jobs.js';
import type { DaemonConnection } from './daemon-connection.js';
import type { DaemonStatus } from './daemon-status.js';
import type { HttpHandlers } from './http-server.js';
import { memoryFigures } from './memory.js';
import type { DaemonMetrics } from './metrics.js';
import { readiness } from './readiness.js';
import type { ReloadableSettings } from './reloadable-settings.js';
import type { ReportedDefinitions } from './reported-definitions.js';
import { readDatabaseBackupFigures, readRestoreOutcomes } from './scrape-figures.js';
import { staleWhileRefreshing } from './status-page/page-routes.js';
import { pageDaemon, statusFields } from './status-document.js';
import { StatusHealthList } from './status-health-list.js';
import { formatStatusCursor, parseStatusCursor } from '../core/reports/page-cursor.js';
import { parseStatusPageRequest } from '../core/reports/status-order.js';
import type { WalSupervisor } from './wal-supervisor.js';

/** The status page's catalog data is read again when older than this (status-page/page-routes.ts). */
const PAGE_DATA_MAX_AGE_MS = 15_000;

export interface DaemonParts {
  server: string;
  /** Where this server's archives and backups are found (the restorable windows read them). */
  stateDir: string;
  status: DaemonStatus;
  connection: DaemonConnection;
  catalog: Catalog;
  metrics: DaemonMetrics;
  definitions: ReportedDefinitions;
  wal: WalSupervisor;
  builtin: BuiltinScheduleSync;
  children: ChildJobs;
  settings: ReloadableSettings;
  /** A valid webhook arrived. */
  onWebhook: () => void;
  logger: Logger;
}

export function daemonEndpoints(p: DaemonParts): HttpHandlers {
  const current = (): DaemonStatus => {
    p.status.catalogConnected = p.connection.connected;
    return p.status;
  };
  const pageData = staleWhileRefreshing(PAGE_DATA_MAX_AGE_MS, () => readStatusPage(p.catalog, Date.now(), null, p.stateDir));
  // The windows read the archives' files (pg_waldump when the newest file changed): at most every 15 s.
  const restorableWindows = staleWhileRefreshing(PAGE_DATA_MAX_AGE_MS, async () => readRestorableWindows(p.catalog, (await p.catalog.readSnapshot()).objects, p.stateDir));
  const windows = (): Promise<Map<string, WindowVerdict>> => restorableWindows().catch(() => new Map<string, WindowVerdict>());
  // The last check of each pgBackRest stanza of this server's nodes (docs/pgbackrest.md, "A failing stanza").
  const stanzaChecks = async (): Promise<StanzaCheckStatus[]> => {
    const nodes = p.definitions.stanzaNodes;
    if (nodes.length === 0) return [];
    const records = await p.catalog.stanzaChecks.list(p.server).catch((err: Error) => {
      p.logger.warn({ err: err.message }, 'could not read the pgBackRest stanza checks');
      return null;
    });
    return records === null ? [] : stanzaCheckStatuses(nodes, records, p.server);
  };
  const healthList = new StatusHealthList();
  return {
    ready: async () => readiness(current()),
    metrics: async () => {
      const listed = p.definitions.list;
      const query = <R extends Record<string, unknown>>(sql: string, params: unknown[]) => p.connection.query<R>(sql, params);
      const [stats, databases, restores] = p.connection.connected
        ? await Promise.all([
            p.definitions.readStats(),
            readDatabaseBackupFigures(query, p.server),
            readRestoreOutcomes(query, listed.map((d) => d.name)),
          ])
        : [p.definitions.lastStats, [], []];
      p.metrics.backups({ now: Date.now(), definitions: listed, stats, databases, restores });
      if (p.connection.connected) {
        p.metrics.walArchives(await p.wal.health());
        p.metrics.restorableWindows(await windows());
        p.metrics.pgbackrestStanzas(await stanzaChecks());
      }
      return { contentType: p.metrics.contentType, body: await p.metrics.text() };
    },
    status: async (query) => {
      const page = parseStatusPageRequest(
        { limit: query.get('limit'), after: query.get('after'), state: query.get('state') }, parseStatusCursor, (name) => `the parameter ${name}`);
      if ('error' in page) return page.error;
      const status = current();
      const stats = await p.definitions.readStats();
      // Each definition's line is remembered until its runs or the clock change it (status-health-list.ts).
      const { summary, slices, nextAfter } = await healthList.read(p.definitions.list, stats, Date.now(), page);
      const fields = statusFields(status, {
        builtinJobs: p.builtin.scheduled, runningJobs: p.children.count, memory: memoryFigures(), summary,
        walArchives: (await p.wal.health()).map(walArchiveStatus),
        restorableWindows: [...(await windows())].map(([node, v]) => restorableWindowStatus(node, v)),
        pgbackrestStanzas: await stanzaChecks(),
        nextAfter: nextAfter && formatStatusCursor(nextAfter),
      });
      return { fields, listKey: 'definitions', listSlices: slices };
    },
    webhookSecret: () => p.settings.webhookSecret,
    onWebhook: p.onWebhook,
    page: {
      // The daemon's own part is always current (a refused revision shows at once); the catalog's may lag.
      data: pageData,
      daemon: () => pageDaemon(current()),
      definitionRuns: (name) => readDefinitionRuns(p.catalog, name),
    },
    auth: () => p.settings.httpAuth,
  };
}
