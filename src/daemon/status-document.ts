// What the daemon reports of itself, composed from plain data: its status record at start, the body of
// /status (the record, readiness, the jobs it runs, memory, and the health of each definition of this
// server with a count per state) and the daemon's part of the status page. No I/O: the endpoints
// (daemon-endpoints.ts) read the figures and pass them in.
import type { PageDaemon } from '../core/reports/status-page-model.js';
import { definitionHealth, healthStateId, type HealthDefinition, type HealthStateId, type RunSummary } from '../core/reports/definition-health.js';
import { contractJson, jsonDocument } from '../core/render/json-contract.js';
import { VERSION } from '../runtime/version.js';
import { isoTimestamp } from '../core/time/iso-timestamp.js';
import type { WalArchiveStatus } from '../core/wal/wal-archive-health.js';
import type { DaemonStatus } from './daemon-status.js';
import type { memoryFigures } from './memory.js';
import { isReady } from './readiness.js';
import type { DefinitionRunStats } from '../adapters/catalog/run-stats.js';

export function initialStatus(server: string, source: string, startedAt: string): DaemonStatus {
  return {
    server, source, startedAt, appliedRevision: null, appliedAt: null, heldBack: [],
    lastPass: null, lastFullPass: null, rejected: null, catalogConnected: false, driftCorrections: 0,
  };
}

/**
 * One definition in /status, in the JSON contract's spelling (docs/cli.md, "JSON output"): its health, its
 * state as an identifier (never_run), and when its runs last succeeded and failed. status-health-list.ts
 * remembers the serialised item between requests.
 */
export function definitionStatus(definition: HealthDefinition, stats: DefinitionRunStats | RunSummary | undefined, now: number): { state: HealthStateId; item: Record<string, unknown> } {
  const h = definitionHealth(definition, stats, now);
  const state = healthStateId(h.state);
  const item = contractJson({
    ...h, state,
    lastSuccessAt: iso(stats?.lastSuccessAt), lastFailureAt: iso(stats?.lastFailureAt), lastStatus: stats?.lastStatus ?? null,
  }) as Record<string, unknown>;
  return { state, item };
}

/** What /status shows besides the status record and the definitions. */
export interface StatusFigures {
  /** The builtin scheduler's jobs, or null when this server's schedule is not builtin. */
  builtinJobs: string[] | null;
  runningJobs: number;
  memory: ReturnType<typeof memoryFigures>;
  summary: Partial<Record<HealthStateId, number>>;
  walArchives: WalArchiveStatus[];
  /** Per archived node whose archive is on this machine: from when to when it can be restored. */
  restorableWindows: unknown[];
  /** The last check of each pgBackRest stanza of this server's nodes. */
  pgbackrestStanzas: unknown[];
  /** The cursor of the next page of definitions (`?after=`), null on the last page. */
  nextAfter: string | null;
}

/**
 * The fields of /status before its list of definitions: the same JSON contract as the CLI's documents
 * (docs/cli.md, "JSON output"; `status --daemon --json` passes it on).
 */
export function statusFields(status: DaemonStatus, figures: StatusFigures): Record<string, unknown> {
  return jsonDocument({
    ...status, revision: status.appliedRevision, ready: isReady(status),
    builtinJobs: figures.builtinJobs, runningJobs: figures.runningJobs, memory: figures.memory, summary: figures.summary,
    walArchives: figures.walArchives, restorableWindows: figures.restorableWindows, pgbackrestStanzas: figures.pgbackrestStanzas,
    nextAfter: figures.nextAfter,
  }, VERSION, { maps: ['summary'] }) as Record<string, unknown>;
}

/** What the status page shows of this daemon. */
export function pageDaemon(status: DaemonStatus): PageDaemon {
  return {
    server: status.server, source: status.source, startedAt: status.startedAt, catalogConnected: status.catalogConnected,
    ready: isReady(status),
    lastPass: status.lastPass && { result: status.lastPass.result, finishedAt: status.lastPass.finishedAt, error: status.lastPass.error },
    rejected: status.rejected && { revision: status.rejected.revision, result: status.rejected.result, error: status.rejected.error, since: status.rejected.since },
  };
}

function iso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : isoTimestamp(ms);
}
