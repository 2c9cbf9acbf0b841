// Per-definition run statistics of one backup server (or of every server, for the status page), read with ONE
// grouped query over backup_runs: what /metrics, /status and the status page show (last success, last
// failure, last duration and size, health inputs).
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
 * The same figures for a list of named definitions, as three index-only probes per definition (migration
 * 030's indexes) instead of an aggregate that sorts every run of every definition: `check-status` over
 * 10,000 definitions with 30 runs each read in ~0.3 s instead of 1-3 s (bench/check-status.js). Identical to
 * the aggregate for every run a recorder writes (a verdict always comes with its finished_at; the probes read
 * finished runs only), which test/integration/catalog/run-stats.test.ts holds them to.
 */
const RUN_STATS_OF_NAMED = `
  select d.definition,
         extract(epoch from latest.started_at) * 1000 as last_started_at,
         latest.status as last_status,
         extract(epoch from ok.finished_at) * 1000 as last_success_at,
         extract(epoch from bad.finished_at) * 1000 as last_failure_at,
         case when ok.finished_at is null and bad.finished_at is null then null
              when bad.finished_at is null or ok.finished_at > bad.finished_at then ok.status
              when ok.finished_at is null or bad.finished_at > ok.finished_at then bad.status
              -- A success and a failure that finished at the same instant: the aggregate's pick among equals.
              else least(ok.status, bad.status) end as last_verdict,
         extract(epoch from ok.finished_at - ok.started_at) as last_duration,
         sized.bytes as last_bytes
    from unnest($1::text[]) as d(definition)
    cross join lateral (
      select r.started_at, r.status from pgbackops.backup_runs r
       where r.definition = d.definition order by r.started_at desc limit 1) latest
    left join lateral (
      select r.finished_at, r.started_at, r.status from pgbackops.backup_runs r
       where r.definition = d.definition and r.status in ('succeeded', 'expiring') and r.finished_at is not null
       order by r.finished_at desc limit 1) ok on true
    left join lateral (
      select r.finished_at, r.status from pgbackops.backup_runs r
       where r.definition = d.definition and r.status in ('failed', 'abandoned') and r.finished_at is not null
       order by r.finished_at desc limit 1) bad on true
    left join lateral (
      select r.bytes from pgbackops.backup_runs r
       where r.definition = d.definition and r.status in ('succeeded', 'expiring') and r.finished_at is not null
         and r.bytes is not null
       order by r.finished_at desc limit 1) sized on true`;

/**
 * Of one server's definitions (the daemon), of the named definitions (`check-status`), or of every server's
 * (the status page).
 */
export async function readRunStats(
  query: Query, of: { server: string } | { definitions: readonly string[] } | 'all',
): Promise<Map<string, DefinitionRunStats>> {
  const rows = of === 'all'
    ? await query<Record<string, unknown>>(`${RUN_STATS_COLUMNS} group by definition`, [])
    : 'server' in of
      ? await query<Record<string, unknown>>(`${RUN_STATS_COLUMNS} where backup_server = $1 group by definition`, [of.server])
      : await query<Record<string, unknown>>(RUN_STATS_OF_NAMED, [of.definitions]);
  const out = new Map<string, DefinitionRunStats>();
  for (const r of rows) {
    const verdict = r.last_verdict as string | null;
    out.set(r.definition as string, {
      lastStartedAt: num(r.last_started_at),
      lastStatus: (r.last_status as string | null) ?? null,
      lastSuccessAt: num(r.last_success_at),
      lastFailureAt: num(r.last_failure_at),
      lastVerdict: verdict === null ? null : verdict === 'succeeded' || verdict === 'expiring' ? 'succeeded' : 'failed',
      lastDurationSeconds: num(r.last_duration),
      lastBytes: num(r.last_bytes),
    });
  }
  return out;
}

function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}
