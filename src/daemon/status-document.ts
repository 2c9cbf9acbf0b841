// What the daemon reports of itself, composed from plain data: its status record at start, the body of
// /status (the record, readiness, the jobs it runs, memory, and the health of each definition of this
// server with a count per state) and the daemon's part of the status page. No I/O: the endpoints
// (daemon-endpoints.ts) read the figures and pass them in.
import type { PageDaemon } from '../core/reports/status-page-model.js';
import { definitionHealth, healthStateId, type DefinitionHealth, type HealthDefinition, type HealthStateId } from '../core/reports/definition-health.js';
import { contractJson, jsonDocument } from '../core/render/json-contract.js';
import { VERSION } from '../runtime/version.js';
import { isoTimestamp } from '../core/time/iso-timestamp.js';
import type { WalArchiveStatus } from '../core/wal/wal-archive-health.js';
import type { DaemonStatus } from './daemon-status.js';
import type { memoryFigures } from './memory.js';
import { isReady } from './readiness.js';
import type { DefinitionRunStats } from '../adapters/catalog/run-stats.js';

/** Definitions whose health /status computes between two turns of the event loop. */
export const HEALTH_PER_SLICE = 1000;

export function initialStatus(server: string, source: string, startedAt: string): DaemonStatus {
  return {
    server, source, startedAt, appliedRevision: null, appliedAt: null, heldBack: [],
    lastPass: null, lastFullPass: null, rejected: null, catalogConnected: false, driftCorrections: 0,
  };
}

/** One definition in /status: its health, and when its runs last succeeded and failed. */
export type DefinitionStatus = DefinitionHealth & { lastSuccessAt: string | null; lastFailureAt: string | null; lastStatus: string | null };

export function definitionStatus(definition: HealthDefinition, stats: DefinitionRunStats | undefined, now: number): DefinitionStatus {
  return {
    ...definitionHealth(definition, stats, now),
    lastSuccessAt: iso(stats?.lastSuccessAt), lastFailureAt: iso(stats?.lastFailureAt), lastStatus: stats?.lastStatus ?? null,
  };
}

/**
 * Every definition's status and the count per health state, HEALTH_PER_SLICE at a time with `pause()` in
 * between: the daemon passes a turn of the event loop, so that /healthz and webhooks do not wait for 10,000
 * definitions. Each item is in the JSON contract's spelling (docs/cli.md, "JSON output"), made a slice at a
 * time as the list is sent; states are identifiers (never_run).
 */
export async function definitionStatuses(
  definitions: readonly HealthDefinition[],
  stats: ReadonlyMap<string, DefinitionRunStats>,
  now: number,
  pause: () => Promise<void>,
): Promise<{ list: unknown[]; summary: Partial<Record<HealthStateId, number>> }> {
  const list: unknown[] = [];
  const summary: Partial<Record<HealthStateId, number>> = {};
  for (let start = 0; start < definitions.length; start += HEALTH_PER_SLICE) {
    if (start > 0) await pause();
    for (const d of definitions.slice(start, start + HEALTH_PER_SLICE)) {
      const row = definitionStatus(d, stats.get(d.name), now);
      const state = healthStateId(row.state);
      summary[state] = (summary[state] ?? 0) + 1;
      list.push(contractJson({ ...row, state }));
    }
  }
  return { list, summary };
}

/** What /status shows besides the status record and the definitions. */
export interface StatusFigures {
  /** The builtin scheduler's jobs, or null when this server's schedule is not builtin. */
  builtinJobs: string[] | null;
  runningJobs: number;
  memory: ReturnType<typeof memoryFigures>;
  summary: Partial<Record<HealthStateId, number>>;
  walArchives: WalArchiveStatus[];
}

/**
 * The fields of /status before its list of definitions: the same JSON contract as the CLI's documents
 * (docs/cli.md, "JSON output"; `status --daemon --json` passes it on).
 */
export function statusFields(status: DaemonStatus, figures: StatusFigures): Record<string, unknown> {
  return jsonDocument({
    ...status, revision: status.appliedRevision, ready: isReady(status),
    builtinJobs: figures.builtinJobs, runningJobs: figures.runningJobs, memory: figures.memory, summary: figures.summary,
    walArchives: figures.walArchives,
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
