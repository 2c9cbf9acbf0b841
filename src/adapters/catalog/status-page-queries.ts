// Read-only catalog queries behind the status page (docs/status-page.md). Each is bounded: the timeline
// reads only the window's runs, at most TIMELINE_MAX_RUNS per definition; summaries are one grouped query.
import type { PageRevision } from '../../core/reports/status-page-model.js';
import type { TimelineRun } from '../../core/reports/run-timeline.js';
import { describeHeldBack, type HeldBackAction } from '../../core/plan/held-back.js';
import { readRunStats, type DefinitionRunStats } from './run-stats.js';
import type { Query } from './migrations.js';

type WithQuery = <T>(fn: (query: Query) => Promise<T>) => Promise<T>;

export class StatusPageQueries {
  constructor(private readonly withQuery: WithQuery) {}

  /** Every definition's run summary (all backup servers), the grouped query /status and /metrics use. */
  async runSummaries(): Promise<Map<string, DefinitionRunStats>> {
    return this.withQuery((query) => readRunStats(async (sql, params) => (await query(sql, params)).rows, 'all'));
  }

  /** Runs started at or after `since`, the newest `perDefinition` of each definition, by definition. */
  async timelineRuns(since: Date, perDefinition: number): Promise<Map<string, TimelineRun[]>> {
    const { rows } = await this.withQuery((query) => query(
      `select definition, status, extract(epoch from started_at) * 1000 as started_at,
              extract(epoch from finished_at) * 1000 as finished_at, bytes
         from (select r.*, row_number() over (partition by definition order by started_at desc) as n
                 from pgbackops.backup_runs r where started_at >= $1) ranked
        where n <= $2`,
      [since, perDefinition],
    ));
    const out = new Map<string, TimelineRun[]>();
    for (const r of rows) {
      let list = out.get(r.definition as string);
      if (!list) out.set(r.definition as string, (list = []));
      list.push({
        status: r.status as string,
        startedAt: Number(r.started_at),
        finishedAt: r.finished_at === null ? null : Number(r.finished_at),
        bytes: r.bytes === null ? null : Number(r.bytes),
      });
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
