// What `pgbackops status` reads of the definitions, in one read-only transaction: how many are in each health
// state (always the whole fleet) and one page of them in status-order.ts's order (problems first), with the
// specs, the runs that decide their lines and their kept bytes of that page only. At 100,000 definitions the
// whole listing was 100,000 specs read and 100,000 health computations and lines in the client (6.3 CPU s,
// 15.5 MB of text); here the catalog ranks them and the client computes one instant per distinct schedule:
// - which (schedule, timezone) pairs the scheduled definitions use (migration 035's columns: a few thousand
//   at most, where a fleet has 100,000 definitions);
// - per pair, the instant its latest run must have started at or after (lateStartBefore, the rule
//   definitionHealth applies), sent back as arrays;
// - one statement: every definition's state from its summary (migration 029) by definitionHealth's rules in
//   their order, the counts per state, and the page's names by (state rank, name), the keyset order `--after`
//   continues (from migration 035's index of the columns it reads, not the table of specs);
// - the page's specs, summaries and kept bytes, by primary key.
// The page's lines are then computed by statusReport like any other (test/integration/reports/status-pages.test.ts
// holds the two to the same states).
import type { BackupSpec } from '../../core/model.js';
import { lastExpectedRun, lateStartBefore, type HealthStateId } from '../../core/reports/definition-health.js';
import { STATUS_ORDER, type StatusKey, type StatusPageRequest } from '../../core/reports/status-order.js';
import type { StatusRun } from '../../core/reports/status-report.js';
import type { Query } from './migrations.js';

export interface StatusListing {
  /** Definitions per state, over the whole catalog. */
  counts: Partial<Record<HealthStateId, number>>;
  /** The page, in listing order. */
  definitions: Array<{ name: string; spec: BackupSpec }>;
  /** The runs that decide each listed definition's line (status-report.ts's StatusRun). */
  runs: Record<string, StatusRun[]>;
  bytesKept: Record<string, number>;
  /** The last listed definition when more follow. */
  nextAfter: StatusKey | null;
}

/** definitionHealth's decision, in its order, from a summary row `s`, the node `n` and the late instant `t`. */
const STATE = `
  case when not (d.enabled and n.status = 'running') then 'unscheduled'
       when s.latest_started_at is null then 'never_run'
       when s.bad_finished_at is not null and (s.ok_finished_at is null or s.bad_finished_at >= s.ok_finished_at) then 'failing'
       when s.latest_started_at < t.late_before then 'late'
       when s.ok_finished_at is not null then 'healthy'
       else 'never_run' end`;

export async function readStatusListing(query: Query, page: StatusPageRequest, now: number): Promise<StatusListing> {
  // One consistent view: the counts and the page are of the same definitions and runs.
  await query('begin isolation level repeatable read read only');
  try {
    // A hash join over 100,000 rows, estimated dear: JIT would compile it for longer than it runs.
    await query('set local jit = off');
    // Its sorts and hashes of 100,000 short rows fit in memory: the default 4 MB spilled one to disk.
    await query(`set local work_mem = '64MB'`);
    const pairs = await query(
      `select d.schedule, d.timezone from pgbackops.definitions d join pgbackops.nodes n on n.name = d.node
        where d.enabled and n.status = 'running' group by d.schedule, d.timezone`,
    );
    const schedules: string[] = [];
    const timezones: string[] = [];
    const lateBefore: string[] = [];
    for (const r of pairs.rows) {
      const before = lateStartBefore(lastExpectedRun(r.schedule as string, r.timezone as string, now), now);
      if (before === null) continue;
      schedules.push(r.schedule as string);
      timezones.push(r.timezone as string);
      lateBefore.push(new Date(before).toISOString());
    }
    const rank = (state: string) => `when '${state}' then ${STATUS_ORDER.indexOf(state as HealthStateId)}`;
    const { rows } = await query(
      `with t(schedule, timezone, late_before) as (select * from unnest($1::text[], $2::text[], $3::timestamptz[])),
       h as materialized (
         select d.name, ${STATE} as state
           from pgbackops.definitions d
           join pgbackops.nodes n on n.name = d.node
           left join pgbackops.definition_run_summaries s on s.definition = d.name
           left join t on t.schedule = d.schedule and t.timezone = d.timezone),
       r as (select h.name, h.state, case h.state ${STATUS_ORDER.map(rank).join(' ')} end as rank from h),
       counts as (select coalesce(json_object_agg(c.state, c.n), '{}') as counts from (select state, count(*) as n from h group by state) c),
       page as (
         select r.name, r.state, r.rank from r
          where ($4::int is null or (r.rank, r.name collate "C") > ($4::int, $5::text collate "C"))
            and ($6::text is null or r.state = $6)
          order by r.rank, r.name collate "C"
          limit $7)
       select counts.counts, p.name, p.state from counts left join page p on true order by p.rank, p.name collate "C"`,
      [schedules, timezones, lateBefore, page.after === null ? null : STATUS_ORDER.indexOf(page.after.state), page.after?.name ?? null,
        page.state, page.limit + 1],
    );
    const listed = rows.filter((r) => r.name !== null);
    const shown = listed.slice(0, page.limit);
    // The page's specs and summaries by primary key: a few index probes per listed definition.
    const details = await query(
      `select d.name, d.spec,
              s.latest_status, s.latest_started_at as latest_started, s.latest_finished_at as latest_finished,
              s.ok_status, s.ok_started_at as ok_started, s.ok_finished_at as ok_finished,
              s.bad_status, s.bad_started_at as bad_started, s.bad_finished_at as bad_finished,
              s.bad_database, s.bad_failure_reason as failure_reason, s.bad_failure_detail as failure_detail,
              k.bytes::float8 as bytes_kept
         from unnest($1::text[]) as p(name)
         join pgbackops.definitions d on d.name = p.name
         left join pgbackops.definition_run_summaries s on s.definition = p.name
         left join pgbackops.definition_kept_bytes k on k.definition = p.name`,
      [shown.map((r) => r.name as string)],
    );
    await query('commit');
    const byName = new Map(details.rows.map((r) => [r.name as string, r]));
    const listing: StatusListing = { counts: rows[0]?.counts ?? {}, definitions: [], runs: {}, bytesKept: {}, nextAfter: null };
    for (const { name } of shown) {
      const r = byName.get(name as string);
      if (r === undefined) continue;
      listing.definitions.push({ name: r.name as string, spec: r.spec as BackupSpec });
      const runs = statusRunsOfSummary(r);
      if (runs !== null) listing.runs[r.name as string] = runs;
      if (r.bytes_kept !== null) listing.bytesKept[r.name as string] = Number(r.bytes_kept);
    }
    const last = shown.at(-1);
    if (listed.length > page.limit && last) listing.nextAfter = { state: last.state as HealthStateId, name: last.name as string };
    return listing;
  } catch (err) {
    await query('rollback').catch(() => undefined);
    throw err;
  }
}

/** The runs a summary row (migration 029) names, as statusReport reads them; null for a definition without runs. */
function statusRunsOfSummary(r: Record<string, any>): StatusRun[] | null {
  if (r.latest_status === null) return null;
  // The failure first: a failure and a success that finished in the same instant are a failure, as
  // run-stats.ts decides (summariseRuns keeps the first of equal finish times).
  const list: StatusRun[] = [];
  if (r.bad_status !== null) {
    list.push({ database: r.bad_database, status: r.bad_status, startedAt: r.bad_started.getTime(), finishedAt: r.bad_finished.getTime(), failureReason: r.failure_reason, failureDetail: r.failure_detail });
  }
  if (r.ok_status !== null) list.push(decidingRun(r.ok_status, r.ok_started, r.ok_finished));
  list.push(decidingRun(r.latest_status, r.latest_started, r.latest_finished));
  return list;
}

function decidingRun(status: string, startedAt: Date, finishedAt: Date | null): StatusRun {
  return { database: null, status, startedAt: startedAt.getTime(), finishedAt: finishedAt?.getTime() ?? null, failureReason: null, failureDetail: null };
}
