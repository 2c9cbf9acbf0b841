// What the status page shows (docs/status-page.md, types in status-page-model.ts), aggregated on the server
// so that the browser only lays it out: per backup server and node the health of every definition (and the
// last check of the node's pgBackRest stanza), each definition's 30-day timeline, the next runs, the applied and attempted revisions, one-off jobs and restores. Pure: the catalog's facts
// and the clock come in. The same data is served by the daemon (GET /api/page) and inlined by
// `pgbackops status --html FILE`.
//
// Nothing secret is in it: node connection settings (host, user, passfile, certificates) are left out, and
// so are logs; failure details are the one line a run recorded as its reason.
import type { BackupServerSpec, BackupSpec, DumpSpec, NodeSpec } from '../model.js';
import { stanzaCheckStatuses, type StanzaCheckRecord } from '../methods/pgbackrest/stanza-check.js';
import type { OneOffInput } from './status-report.js';
import type { RestoreEntry } from './history-report.js';
import { definitionHealth, nextExpectedRun, type HealthState, type RunSummary } from './definition-health.js';
import { encodeTimeline, TIMELINE_DAYS, type TimelineRun } from './run-timeline.js';
import {
  HEALTH_STATES, NEXT_RUNS_SHOWN, type PageDaemon, type PageDefinition, type PageNode, type PageRevision, type PageServer, type PageStanza, type PageWindow, type StatusPageData,
} from './status-page-model.js';

/** RunSummary plus what the latest finished run weighed and took (run-stats.ts reads both in one query). */
export interface PageRunSummary extends RunSummary {
  lastDurationSeconds: number | null;
  lastBytes: number | null;
  /** Recorded reason of the latest failed run, and the first line of its detail. */
  lastFailureReason?: string | null;
}

export interface StatusPageInput {
  now: number;
  servers: Array<{ name: string; spec: BackupServerSpec }>;
  nodes: Array<{ name: string; spec: NodeSpec }>;
  definitions: Array<{ name: string; spec: BackupSpec }>;
  summaries: ReadonlyMap<string, PageRunSummary>;
  /** Runs of the timeline window by definition, any order. */
  timelines: ReadonlyMap<string, TimelineRun[]>;
  revision: PageRevision;
  daemon: PageDaemon | null;
  oneOffs: OneOffInput[];
  restores: RestoreEntry[];
  /** RPO verdicts by definition, when the RPO checks know them; absent: not known. */
  rpo?: ReadonlyMap<string, { breached: boolean; detail: string }>;
  /** Restorable windows by node, once WAL archives exist; absent: none. */
  restorableWindows?: ReadonlyMap<string, PageWindow>;
  /** The recorded checks of pgBackRest stanzas (absent: none read; a declared stanza is then never checked). */
  stanzaChecks?: readonly StanzaCheckRecord[];
}

export function emptyCounts(): Record<HealthState, number> {
  return { Failing: 0, Late: 0, 'Never run': 0, Healthy: 0, Unscheduled: 0 };
}

export function statusPageData(input: StatusPageInput): StatusPageData {
  const from = input.now - TIMELINE_DAYS * 86_400_000;
  const nodeSpecs = new Map(input.nodes.map((n) => [n.name, n.spec]));
  const summary = emptyCounts();
  const nodeCounts = new Map(input.nodes.map((n) => [n.name, emptyCounts()]));
  const serverCounts = new Map(input.servers.map((s) => [s.name, emptyCounts()]));

  const definitions = input.definitions.map((d): PageDefinition => {
    const node = nodeSpecs.get(d.spec.node);
    const server = node?.backupServer ?? '';
    const scheduled = d.spec.enabled && node?.status === 'running';
    const runs = input.summaries.get(d.name);
    const health = definitionHealth({ name: d.name, schedule: d.spec.resolvedSchedule, timezone: d.spec.timezone, scheduled }, runs, input.now);
    summary[health.state]++;
    const nc = nodeCounts.get(d.spec.node);
    if (nc) nc[health.state]++;
    const sc = serverCounts.get(server);
    if (sc) sc[health.state]++;
    return {
      name: d.name,
      server,
      node: d.spec.node,
      state: health.state,
      reason: health.reason,
      rpo: input.rpo?.get(d.name) ?? null,
      ...whatItBacksUp(d.spec),
      schedule: d.spec.resolvedSchedule,
      timezone: d.spec.timezone,
      retention: typeof d.spec.retention === 'string' ? d.spec.retention : 'inline',
      enabled: d.spec.enabled,
      lastSuccessAt: runs?.lastSuccessAt ?? null,
      lastFailureAt: runs?.lastFailureAt ?? null,
      lastFailure: health.state === 'Failing' ? runs?.lastFailureReason ?? 'failed' : null,
      lastExpectedAt: health.lastExpectedRun === null ? null : Date.parse(health.lastExpectedRun),
      nextRunAt: scheduled ? nextExpectedRun(d.spec.resolvedSchedule, d.spec.timezone, input.now) : null,
      lastBytes: runs?.lastBytes ?? null,
      lastDurationSeconds: runs?.lastDurationSeconds ?? null,
      timeline: encodeTimeline(input.timelines.get(d.name) ?? [], from),
    };
  });
  const rank = new Map(HEALTH_STATES.map((s, i) => [s, i]));
  definitions.sort((a, b) => rank.get(a.state)! - rank.get(b.state)! || compare(a.name, b.name));

  const stanzas = new Map(stanzaCheckStatuses(input.nodes, input.stanzaChecks ?? []).map((s): [string, PageStanza] => [s.node, {
    name: s.stanza, state: s.state, detail: s.detail === null ? null : s.detail.split('\n')[0]!,
    checkedAt: s.checked_at === null ? null : Date.parse(s.checked_at), failingSince: s.failing_since === null ? null : Date.parse(s.failing_since),
  }]));
  const nodes = [...input.nodes].sort((a, b) => compare(a.name, b.name)).map((n): PageNode => ({
    name: n.name, server: n.spec.backupServer, status: n.spec.status, counts: nodeCounts.get(n.name)!,
    restorableWindow: input.restorableWindows?.get(n.name) ?? null,
    stanza: stanzas.get(n.name) ?? null,
  }));
  const servers = [...input.servers].sort((a, b) => compare(a.name, b.name)).map((s): PageServer => ({
    name: s.name, scheduler: s.spec.scheduler.type, nodes: nodes.filter((n) => n.server === s.name).map((n) => n.name), counts: serverCounts.get(s.name)!,
  }));

  const nextRuns = definitions
    .filter((d): d is PageDefinition & { nextRunAt: number } => d.nextRunAt !== null)
    .sort((a, b) => a.nextRunAt - b.nextRunAt || compare(a.name, b.name))
    .slice(0, NEXT_RUNS_SHOWN)
    .map((d) => ({ definition: d.name, node: d.node, at: d.nextRunAt }));

  return {
    generatedAt: input.now,
    window: { from, to: input.now, days: TIMELINE_DAYS },
    summary,
    revision: input.revision,
    daemon: input.daemon,
    servers,
    nodes,
    definitions,
    nextRuns,
    oneOffs: [...input.oneOffs].sort((a, b) => b.dueAt - a.dueAt || compare(a.name, b.name)),
    restores: input.restores.map((r) => ({
      id: r.id, purpose: r.purpose, definition: r.definition, targetNode: r.targetNode, targetDir: r.targetDir, targetDatabase: r.targetDatabase,
      status: r.status, startedAt: r.startedAt, finishedAt: r.finishedAt, failureReason: r.failureReason,
    })),
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The type, databases and format columns: a logical definition's own, a physical one's whole cluster. */
function whatItBacksUp(spec: DumpSpec): { type: string; databases: string; format: string } {
  if (spec.method !== undefined) return { type: spec.method, databases: 'cluster (physical)', format: spec.method === 'basebackup' ? 'tar' : 'pgBackRest repository' };
  return {
    type: spec.type,
    databases: spec.type === 'cluster' ? 'cluster (pg_dumpall)' : spec.databases === 'all'
      ? `all${spec.exclude.length > 0 ? ` except ${spec.exclude.join(', ')}` : ''}` : spec.databases.join(', '),
    format: spec.format,
  };
}
