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
      : await query<Record<string, unknown>>(`${RUN_STATS_COLUMNS} where definition = any($1) group by definition`, [of.definitions]);
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
