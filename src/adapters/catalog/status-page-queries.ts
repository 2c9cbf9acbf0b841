// Read-only catalog queries behind the status page (docs/status-page.md). Each is bounded: the timeline
// reads only the window's runs, at most TIMELINE_MAX_RUNS per definition; summaries are the latest rows of
// each definition's indexes (run-stats.ts).
import type { PageRevision } from '../../core/reports/status-page-model.js';
import type { TimelineRun } from '../../core/reports/run-timeline.js';
import { describeHeldBack, type HeldBackAction } from '../../core/plan/held-back.js';
import { readRunStats, type DefinitionRunStats } from './run-stats.js';
import type { Query } from './migrations.js';

type WithQuery = <T>(fn: (query: Query) => Promise<T>) => Promise<T>;

export class StatusPageQueries {
  constructor(private readonly withQuery: WithQuery) {}

  /** Every definition's run summary (all backup servers): the figures /status and /metrics show, read per definition. */
  async runSummaries(): Promise<Map<string, DefinitionRunStats>> {
    return this.withQuery((query) => readRunStats(async (sql, params) => (await query(sql, params)).rows, 'all'));
  }

  /**
   * Runs started at or after `since`, the newest `perDefinition` of each definition of the catalog, by
   * definition. Per definition, a range of the index on (definition, started_at) (migration 027): what is
   * read is what the page draws, however long the history (a window over all runs sorted them all on disk).
   * One row per definition with its runs as a JSON array: 10,000 rows to parse instead of 300,000.
   */
  async timelineRuns(since: Date, perDefinition: number): Promise<Map<string, TimelineRun[]>> {
    const { rows } = await this.withQuery((query) => query(
      `select d.name as definition,
              (select json_agg(json_build_array(r.status, extract(epoch from r.started_at) * 1000, extract(epoch from r.finished_at) * 1000, r.bytes)
                               order by r.started_at)
                 from (select status, started_at, finished_at, bytes from pgbackops.backup_runs
                        where definition = d.name and started_at >= $1
                        order by started_at desc limit $2) r) as runs
         from pgbackops.definitions d`,
      [since, perDefinition],
    ));
    const out = new Map<string, TimelineRun[]>();
    for (const r of rows) {
      const runs = r.runs as Array<[string, number, number | null, number | null]> | null;
      if (runs === null) continue;
      out.set(r.definition as string, runs.map(([status, startedAt, finishedAt, bytes]) => ({ status, startedAt, finishedAt, bytes })));
    }
    return out;
  }

  /** The recorded reason of each definition's latest failed (or abandoned) run, with its first detail line. */
  async lastFailureReasons(definitions: readonly string[]): Promise<Map<string, string>> {
    if (definitions.length === 0) return new Map();
    const { rows } = await this.withQuery((query) => query(
      `select distinct on (definition) definition, database, failure_reason, failure_detail
         from pgbackops.backup_runs
        where definition = any($1) and status in ('failed', 'abandoned')
        order by definition, coalesce(finished_at, started_at) desc`,
      [definitions],
    ));
    return new Map(rows.map((r) => {
      const detail = typeof r.failure_detail === 'string' ? r.failure_detail.split('\n')[0] : '';
      const where = r.database === null ? '' : `${r.database as string}: `;
      return [r.definition as string, `${where}${(r.failure_reason as string | null) ?? 'failed'}${detail ? `: ${detail}` : ''}`];
    }));
  }

  /** The last applied and the last attempted revision, and why the attempt was refused. */
  async revision(): Promise<PageRevision> {
    const { rows } = await this.withQuery((query) => query(
      `select last_applied_revision, last_applied_at, last_attempted_revision, last_attempted_at, last_attempt_error, last_applied_held_back
         from pgbackops.catalog_state`,
    ));
    const r = rows[0] ?? {};
    const time = (v: unknown) => (v instanceof Date ? v.getTime() : null);
    return {
      applied: (r.last_applied_revision as string | null) ?? null,
      appliedAt: time(r.last_applied_at),
      attempted: (r.last_attempted_revision as string | null) ?? null,
      attemptedAt: time(r.last_attempted_at),
      error: (r.last_attempt_error as string | null) ?? null,
      heldBack: ((r.last_applied_held_back as HeldBackAction[] | null) ?? []).map(describeHeldBack),
    };
  }
}
