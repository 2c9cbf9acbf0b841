// Reads what the status page shows from the catalog (docs/status-page.md): the daemon serves it as
// GET /api/page, `pgbackops status --html FILE` inlines it. The aggregation is pure
// (core/reports/status-page-data.ts); this only gathers its inputs, each with one bounded query.
import type { Catalog } from '../adapters/catalog/catalog.js';
import type { BackupServerSpec, BackupSpec, NodeSpec } from '../core/model.js';
import { dueAt } from '../core/one-off/timing.js';
import { TIMELINE_DAYS, TIMELINE_MAX_RUNS } from '../core/reports/run-timeline.js';
import { statusPageData, type PageRunSummary } from '../core/reports/status-page-data.js';
import type { WindowVerdict } from '../core/wal/restorable-window.js';
import { readRestorableWindows } from './restorable-windows.js';
import { DETAIL_RUNS_SHOWN, type PageDaemon, type PageRunDetail, type PageWindow, type StatusPageData } from '../core/reports/status-page-model.js';

/** Restores the page lists (the newest). */
const RESTORES_SHOWN = 20;

/**
 * @param stateDir when given, the restorable window of every node whose WAL archive is on this machine is read
 *   from the archive (src/engine/restorable-windows.ts); without it the page shows none.
 */
export async function readStatusPage(catalog: Catalog, now: number, daemon: PageDaemon | null = null, stateDir?: string): Promise<StatusPageData> {
  const snapshot = await catalog.readSnapshot();
  const of = <S>(kind: string) => snapshot.objects.filter((o) => o.kind === kind).map((o) => ({ name: o.name, spec: o.spec as S }));
  const definitions = of<BackupSpec>('Backup');
  const nodes = of<NodeSpec>('Node');
  const [stats, timelines, revision, oneOffs, restores, windows, stanzaChecks] = await Promise.all([
    catalog.statusPage.runSummaries(),
    catalog.statusPage.timelineRuns(new Date(now - TIMELINE_DAYS * 86_400_000), TIMELINE_MAX_RUNS),
    catalog.statusPage.revision(),
    catalog.oneOffs.list(),
    catalog.reports.restoreHistory(RESTORES_SHOWN),
    stateDir === undefined ? new Map<string, WindowVerdict>() : readRestorableWindows(catalog, snapshot.objects, stateDir),
    nodes.some((n) => n.spec.pgbackrest) ? catalog.stanzaChecks.list() : [],
  ]);
  const restorableWindows = new Map<string, PageWindow>();
  for (const [node, v] of windows) {
    if (!v.window) continue;
    const recorded = v.computed ? { computedAt: Date.parse(v.computed.at), computedOn: v.computed.on } : {};
    restorableWindows.set(node, { from: Date.parse(v.window.from), to: Date.parse(v.window.to), ...recorded });
  }
  const failing = definitions.filter((d) => stats.get(d.name)?.lastVerdict === 'failed').map((d) => d.name);
  const reasons = await catalog.statusPage.lastFailureReasons(failing);
  const summaries = new Map<string, PageRunSummary>();
  for (const [name, s] of stats) summaries.set(name, { ...s, lastFailureReason: reasons.get(name) ?? null });
  return statusPageData({
    now,
    servers: of<BackupServerSpec>('BackupServer'),
    nodes,
    definitions,
    summaries,
    timelines,
    revision,
    daemon,
    oneOffs: oneOffs.map((j) => ({
      kind: j.kind, name: j.name, state: j.state, dueAt: dueAt(j.spec, j.createdAt), finishedAt: j.finishedAt?.getTime() ?? null, message: j.message,
    })),
    restores: restores.map((r) => ({ ...r, startedAt: r.startedAt.getTime(), finishedAt: r.finishedAt?.getTime() ?? null })),
    restorableWindows,
    stanzaChecks,
  });
}

/** A definition's newest runs (of every database), for its details. */
export async function readDefinitionRuns(catalog: Catalog, name: string): Promise<PageRunDetail[]> {
  const rows = await catalog.reports.listBackups({ definition: name, limit: DETAIL_RUNS_SHOWN });
  return rows.map((r) => ({
    id: r.id, database: r.database, status: r.status, startedAt: r.startedAt.getTime(), finishedAt: r.finishedAt?.getTime() ?? null,
    bytes: r.bytes, failureReason: r.failureReason, failureDetail: r.failureDetail?.split('\n')[0] ?? null,
    pgDumpVersion: r.pgDumpVersion, serverVersion: r.serverVersion, directory: r.directory, files: r.files?.length ?? 0,
  }));
}
