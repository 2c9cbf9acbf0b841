// The status page's data as the daemon serves it (GET /api/page) and `pgbackops status --html` inlines it
// (docs/status-page.md): its types and constants, shared by the aggregation (status-page-data.ts) and the
// page's script (web/status-page/), which must not load anything else of the core.
import type { HealthState } from './health-state.js';

/** Id of the element holding inlined data in a written page (a served page fetches api/page instead). */
export const PAGE_DATA_ELEMENT_ID = 'status-page-data';

export const HEALTH_STATES: readonly HealthState[] = ['Failing', 'Late', 'Never run', 'Healthy', 'Unscheduled'];

/** How many upcoming runs the page lists. */
export const NEXT_RUNS_SHOWN = 20;

/** All times are epoch milliseconds (smaller than ISO strings, 10,000 times over). */
export interface PageDefinition {
  name: string;
  server: string;
  node: string;
  state: HealthState;
  reason: string;
  /** Null when RPO objectives are not known for this definition (a hook for RPO checks). */
  rpo: { breached: boolean; detail: string } | null;
  type: string;
  databases: string;
  format: string;
  schedule: string;
  timezone: string;
  retention: string;
  enabled: boolean;
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  /** Why the latest failed run failed (its recorded reason and first detail line), when the state is Failing. */
  lastFailure: string | null;
  lastExpectedAt: number | null;
  nextRunAt: number | null;
  lastBytes: number | null;
  lastDurationSeconds: number | null;
  /** run-timeline.ts: four numbers per run since `window.from`. */
  timeline: number[];
}

/** A restorable window; computedAt/computedOn only when it was computed on another machine (read from the catalog). */
export interface PageWindow {
  from: number;
  to: number;
  computedAt?: number;
  computedOn?: string;
}

export interface PageNode {
  name: string;
  server: string;
  status: 'running' | 'stopped';
  counts: Record<HealthState, number>;
  /** From when to when a point-in-time restore is possible; null until a WAL archive exists for the node. */
  restorableWindow: PageWindow | null;
  /** The last check of the node's pgBackRest stanza (docs/pgbackrest.md, "A failing stanza"); null: it has none. */
  stanza: PageStanza | null;
}

export interface PageStanza {
  name: string;
  state: 'passing' | 'failing' | 'never_checked';
  /** pgBackRest's error (its first line) while failing. */
  detail: string | null;
  checkedAt: number | null;
  failingSince: number | null;
}

export interface PageServer {
  name: string;
  scheduler: string;
  nodes: string[];
  counts: Record<HealthState, number>;
}

export interface PageRevision {
  applied: string | null;
  appliedAt: number | null;
  attempted: string | null;
  attemptedAt: number | null;
  /** Why the last attempted revision was refused; null when it was applied. */
  error: string | null;
  /** Actions the applied revision holds back (deletes waiting for --prune), in words. */
  heldBack: string[];
}

/** What a serving daemon adds about itself; null in a page written by `status --html`. */
export interface PageDaemon {
  server: string;
  source: string;
  startedAt: string;
  ready: boolean;
  catalogConnected: boolean;
  lastPass: { result: string; finishedAt: string; error: string | null } | null;
  rejected: { revision: string | null; result: string; error: string; since: string } | null;
}

export interface PageOneOff {
  kind: 'Snapshot' | 'Restore';
  name: string;
  state: string;
  dueAt: number;
  finishedAt: number | null;
  message: string | null;
}

export interface PageRestore {
  id: string;
  purpose: string;
  definition: string | null;
  /** null: a physical method's restore into a directory (targetDir). */
  targetNode: string | null;
  targetDir: string | null;
  targetDatabase: string | null;
  status: string;
  startedAt: number;
  finishedAt: number | null;
  failureReason: string | null;
}

export interface StatusPageData {
  generatedAt: number;
  window: { from: number; to: number; days: number };
  summary: Record<HealthState, number>;
  revision: PageRevision;
  daemon: PageDaemon | null;
  servers: PageServer[];
  nodes: PageNode[];
  /** Worst state first, then by name. */
  definitions: PageDefinition[];
  nextRuns: Array<{ definition: string; node: string; at: number }>;
  oneOffs: PageOneOff[];
  restores: PageRestore[];
}

/** One run in a definition's details (GET /api/page/definition?name=…): what `pgbackops show ID` tells of it. */
export interface PageRunDetail {
  id: string;
  database: string | null;
  status: string;
  startedAt: number;
  finishedAt: number | null;
  bytes: number | null;
  failureReason: string | null;
  /** The first line of the tool's error output. */
  failureDetail: string | null;
  pgDumpVersion: string | null;
  serverVersion: string | null;
  directory: string | null;
  files: number;
}

/** Runs the details of a definition list (the newest). */
export const DETAIL_RUNS_SHOWN = 100;
