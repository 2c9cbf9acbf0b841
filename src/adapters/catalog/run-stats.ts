// Per-definition run statistics of one backup server (or of every server, for the status page), read with ONE
// query: what /metrics, /status and the status page show (last success, last failure, last duration and size,
// health inputs). Of one server, its definitions' summaries (migration 029: one row each); of named
// definitions (`check-status`) or of every defined definition (the status page), a few index probes per
// definition (migration 027), not a read of every run.
import type { RunSummary } from '../../core/reports/definition-health.js';

export interface DefinitionRunStats extends RunSummary {
  /** Duration (seconds) and size (bytes) of the latest finished run that has them. */
  lastDurationSeconds: number | null;
  lastBytes: number | null;
}

type Query = <R extends Record<string, unknown>>(sql: string, params: unknown[]) => Promise<R[]>;

const RUN_STATS_COLUMNS = `
  select definition,
         extract(epoch from max(started_at)) * 1000 as last_started_at,
         (array_agg(status order by started_at desc))[1] as last_status,
         extract(epoch from max(finished_at) filter (where status in ('succeeded', 'expiring'))) * 1000 as last_success_at,
         extract(epoch from max(finished_at) filter (where status in ('failed', 'abandoned'))) * 1000 as last_failure_at,
         (array_agg(status order by finished_at desc)
            filter (where status in ('succeeded', 'expiring', 'failed', 'abandoned') and finished_at is not null))[1] as last_verdict,
         (array_agg(extract(epoch from finished_at - started_at) order by finished_at desc)
            filter (where status in ('succeeded', 'expiring') and finished_at is not null))[1] as last_duration,
         (array_agg(bytes order by finished_at desc)
            filter (where status in ('succeeded', 'expiring') and bytes is not null))[1] as last_bytes
    from pgbackops.backup_runs`;

/**
 * The figures' columns from where a query found the runs that decide them (the latest run, the latest finished
 * success and the latest finished failure, and the size): one definition of the latest verdict, the later of the
 * latest success and the latest failure (a failure when both finished in the same microsecond).
 */
function runStatsColumns(at: { latestStarted: string; latestStatus: string; okStarted: string; okFinished: string; badFinished: string; lastBytes: string }): string {
  return `extract(epoch from ${at.latestStarted}) * 1000 as last_started_at,
         ${at.latestStatus} as last_status,
         extract(epoch from ${at.okFinished}) * 1000 as last_success_at,
         extract(epoch from ${at.badFinished}) * 1000 as last_failure_at,
         case when ${at.badFinished} >= ${at.okFinished} or (${at.okFinished} is null and ${at.badFinished} is not null) then 'failed'
              when ${at.okFinished} is not null then 'succeeded' end as last_verdict,
         extract(epoch from ${at.okFinished} - ${at.okStarted}) as last_duration,
         ${at.lastBytes} as last_bytes`;
}

/**
 * The same figures per definition of `definitions` (every definition of the catalog, for the status page, or
 * the named ones, for `check-status`), each from the first entries of an index (migration 027): proportional
 * to the number of definitions, not of runs, and index-only (the indexes include the columns read). Equal to the grouped query's: the order is `finished_at desc` there and here, which puts a run
 * without a finish time first (the grouped query's size does the same; its max() and duration skip it, so
 * does `ok`); the latest verdict is the later of the latest success and the latest failure (a failure when
 * both finished in the same microsecond); a success is 'succeeded' or 'expiring', a failure 'failed' or
 * 'abandoned', as readRunStats maps them.
 */
const latestRunStats = (definitions: string): string => `
  select d.name as definition,
         ${runStatsColumns({
           latestStarted: 'latest.started_at', latestStatus: 'latest.status', okStarted: 'ok.started_at',
           okFinished: 'ok.finished_at', badFinished: 'bad.finished_at', lastBytes: 'coalesce(newest.bytes, sized.bytes)',
         })}
    from ${definitions}
    cross join lateral (
      select r.started_at, r.status from pgbackops.backup_runs r
       where r.definition = d.name order by r.started_at desc limit 1) latest
    -- The newest success: almost always also the latest finished one and the latest with a size.
    left join lateral (
      select r.started_at, r.finished_at, r.bytes from pgbackops.backup_runs r
       where r.definition = d.name and r.status in ('succeeded', 'expiring')
       order by r.finished_at desc limit 1) newest on true
    left join lateral (
      select newest.started_at, newest.finished_at where newest.finished_at is not null
      union all
      (select r.started_at, r.finished_at from pgbackops.backup_runs r
        where newest.finished_at is null and r.definition = d.name and r.status in ('succeeded', 'expiring') and r.finished_at is not null
        order by r.finished_at desc limit 1)) ok on true
    left join lateral (
      select r.bytes from pgbackops.backup_runs r
       where newest.bytes is null and r.definition = d.name and r.status in ('succeeded', 'expiring') and r.bytes is not null
       order by r.finished_at desc limit 1) sized on true
    left join lateral (
      select r.finished_at from pgbackops.backup_runs r
       where r.definition = d.name and r.status in ('failed', 'abandoned') and r.finished_at is not null
       order by r.finished_at desc limit 1) bad on true`;
const RUN_STATS_OF_EVERY_DEFINITION = latestRunStats('pgbackops.definitions d');

/**
 * Only the RunSummary (what a definition's health and `check-status` decide on: no duration, no size), as
 * select-list columns and lateral joins on a from-item `d` with a `name` column: three index probes per
 * definition instead of latestRunStats' five (the latest run, the latest finished success, the latest
 * finished failure), and a definition without runs keeps its row (its columns null; runSummaryOfRow says
 * none). The same answers as latestRunStats, column for column (test/integration/catalog/run-stats.test.ts).
 */
export const RUN_SUMMARY_COLUMNS = `
         extract(epoch from latest.started_at) * 1000 as last_started_at,
         latest.status as last_status,
         extract(epoch from ok.finished_at) * 1000 as last_success_at,
         extract(epoch from bad.finished_at) * 1000 as last_failure_at,
         case when bad.finished_at >= ok.finished_at or (ok.finished_at is null and bad.finished_at is not null) then 'failed'
              when ok.finished_at is not null then 'succeeded' end as last_verdict`;
export const RUN_SUMMARY_JOINS = `
    left join lateral (
      select r.started_at, r.status from pgbackops.backup_runs r
       where r.definition = d.name order by r.started_at desc limit 1) latest on true
    left join lateral (
      select r.finished_at from pgbackops.backup_runs r
       where r.definition = d.name and r.status in ('succeeded', 'expiring') and r.finished_at is not null
       order by r.finished_at desc limit 1) ok on true
    left join lateral (
      select r.finished_at from pgbackops.backup_runs r
       where r.definition = d.name and r.status in ('failed', 'abandoned') and r.finished_at is not null
       order by r.finished_at desc limit 1) bad on true`;

/** A row read with RUN_SUMMARY_COLUMNS as a RunSummary; undefined when the definition has no run. */
export function runSummaryOfRow(r: Record<string, unknown>): RunSummary | undefined {
  if (r.last_started_at === null || r.last_started_at === undefined) return undefined;
  return {
    lastStartedAt: num(r.last_started_at),
    lastStatus: (r.last_status as string | null) ?? null,
    lastSuccessAt: num(r.last_success_at),
    lastFailureAt: num(r.last_failure_at),
    lastVerdict: verdictOf(r.last_verdict as string | null),
  };
}

function verdictOf(verdict: string | null): RunSummary['lastVerdict'] {
  return verdict === null ? null : verdict === 'succeeded' || verdict === 'expiring' ? 'succeeded' : 'failed';
}
const RUN_STATS_OF_NAMED = latestRunStats('unnest($1::text[]) as d(name)');

/**
 * The same figures of the definitions of one server's nodes, from the summaries migration 029's triggers keep
 * per definition: one row per definition, whatever the length of its history (the daemon's /status and
 * /metrics read them at every request; the grouped aggregate over the server's runs read all of them, seconds
 * at 10,000,000 runs). Column for column the grouped aggregate's answers (test/integration/catalog/).
 */
const RUN_STATS_OF_SERVER = `
  select s.definition,
         ${runStatsColumns({
           latestStarted: 's.latest_started_at', latestStatus: 's.latest_status', okStarted: 's.ok_started_at',
           okFinished: 's.ok_finished_at', badFinished: 's.bad_finished_at', lastBytes: 's.last_bytes',
         })}
    from pgbackops.definition_run_summaries s
    join pgbackops.definitions d on d.name = s.definition
    join pgbackops.nodes n on n.name = d.node
   where n.backup_server = $1`;

/**
 * Of one server's definitions (the daemon), of the named definitions (`check-status`), or of every definition
 * of the catalog (the status page; a definition without runs, or runs of a deleted one, have no entry).
 */
export async function readRunStats(
  query: Query, of: { server: string } | { definitions: readonly string[] } | 'all',
): Promise<Map<string, DefinitionRunStats>> {
  const rows = of === 'all'
    ? await query<Record<string, unknown>>(RUN_STATS_OF_EVERY_DEFINITION, [])
    : 'server' in of
      ? await query<Record<string, unknown>>(RUN_STATS_OF_SERVER, [of.server])
      : await query<Record<string, unknown>>(RUN_STATS_OF_NAMED, [of.definitions]);
  return runStatsOfRows(rows);
}

/**
 * The figures as one grouped aggregate over every run the server recorded: what the definitions mean, and
 * what the tests compare the summaries and the probes with (it reads every run: not for a report).
 */
export async function readRunStatsOfEveryRun(query: Query, server: string): Promise<Map<string, DefinitionRunStats>> {
  return runStatsOfRows(await query<Record<string, unknown>>(`${RUN_STATS_COLUMNS} where backup_server = $1 group by definition`, [server]));
}

function runStatsOfRows(rows: ReadonlyArray<Record<string, unknown>>): Map<string, DefinitionRunStats> {
  const out = new Map<string, DefinitionRunStats>();
  for (const r of rows) {
    const verdict = r.last_verdict as string | null;
    out.set(r.definition as string, {
      lastStartedAt: num(r.last_started_at),
      lastStatus: (r.last_status as string | null) ?? null,
      lastSuccessAt: num(r.last_success_at),
      lastFailureAt: num(r.last_failure_at),
      lastVerdict: verdictOf(verdict),
      lastDurationSeconds: num(r.last_duration),
      lastBytes: num(r.last_bytes),
    });
  }
  return out;
}

function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}
