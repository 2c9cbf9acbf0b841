-- 029_definition_run_totals: what the reports show of each definition's runs, kept per definition instead of
-- read from every run: at 100,000 definitions and 10,000,000 runs, `status` and the daemon's /status read one
-- row per definition (issue 16).
--
-- Both tables are kept by statement-level triggers on backup_runs (transition tables), so every statement that
-- records, finishes, expires, abandons or deletes a run (run-store.ts, imports, anything else) changes them in
-- its own transaction: a crash or a rollback undoes both, and no writer can forget to.
--
-- definition_kept_bytes: what `status` shows as bytes kept, the sum over the definition's runs with status
-- 'succeeded' (an 'expiring' run is being removed and no longer counts; a run without a size counts 0), which
-- read every succeeded run of the catalog (a parallel sequential scan: seconds at 10,000,000 runs). A total is
-- changed by a difference (`bytes = bytes + delta`), never recomputed from a snapshot: two transactions
-- recording runs of one definition at once serialize on its row, and the second adds to what the first
-- committed. A definition without such a run has no row (status shows 0). A statement that writes a million
-- runs changes each definition's total once, not a million times.
create table pgbackops.definition_kept_bytes (
  definition text primary key,
  bytes      numeric not null,
  runs       bigint not null
);

-- Adds the differences (negative for runs that stopped counting) to the totals, in definition order (two
-- statements touching several definitions lock their rows in the same order: no deadlock between them), and
-- removes the totals left with no run.
create function pgbackops.add_kept_bytes(definitions text[], deltas numeric[], counts bigint[]) returns void
language plpgsql as $$
declare
  emptied text[];
begin
  if definitions is null then
    return;
  end if;
  with added as (
    insert into pgbackops.definition_kept_bytes as t (definition, bytes, runs)
    select c.definition, c.bytes, c.runs from unnest(definitions, deltas, counts) as c(definition, bytes, runs)
     order by c.definition
    on conflict (definition) do update set bytes = t.bytes + excluded.bytes, runs = t.runs + excluded.runs
    returning t.definition, t.runs)
  select array_agg(added.definition) into emptied from added where added.runs = 0;
  if emptied is not null then
    delete from pgbackops.definition_kept_bytes where definition = any(emptied) and runs = 0;
  end if;
end $$;

-- The change of one statement, from its transition tables: succeeded rows that appeared, minus those that went
-- (an update's old and new rows both count: a status change moves the run out of or into the total; an
-- update that changes neither status, bytes nor definition nets to nothing and is skipped).
create function pgbackops.keep_run_bytes() returns trigger language plpgsql as $$
begin
  if tg_op = 'TRUNCATE' then
    delete from pgbackops.definition_kept_bytes;
  elsif tg_op = 'INSERT' then
    perform pgbackops.add_kept_bytes(array_agg(c.definition), array_agg(c.bytes), array_agg(c.runs))
       from (select definition, sum(coalesce(bytes, 0))::numeric as bytes, count(*) as runs
               from new_runs where status = 'succeeded' group by definition) c;
  elsif tg_op = 'DELETE' then
    perform pgbackops.add_kept_bytes(array_agg(c.definition), array_agg(c.bytes), array_agg(c.runs))
       from (select definition, -sum(coalesce(bytes, 0))::numeric as bytes, -count(*) as runs
               from old_runs where status = 'succeeded' group by definition) c;
  else
    perform pgbackops.add_kept_bytes(array_agg(c.definition), array_agg(c.bytes), array_agg(c.runs))
       from (select definition, sum(bytes) as bytes, sum(runs)::bigint as runs
               from (select definition, coalesce(bytes, 0)::numeric as bytes, 1 as runs from new_runs where status = 'succeeded'
                     union all
                     select definition, -coalesce(bytes, 0)::numeric, -1 from old_runs where status = 'succeeded') d
              group by definition
             having sum(runs) <> 0 or sum(bytes) <> 0) c;
  end if;
  return null;
end $$;

create trigger backup_runs_kept_bytes_insert after insert on pgbackops.backup_runs
  referencing new table as new_runs for each statement execute function pgbackops.keep_run_bytes();
create trigger backup_runs_kept_bytes_update after update on pgbackops.backup_runs
  referencing old table as old_runs new table as new_runs for each statement execute function pgbackops.keep_run_bytes();
create trigger backup_runs_kept_bytes_delete after delete on pgbackops.backup_runs
  referencing old table as old_runs for each statement execute function pgbackops.keep_run_bytes();
create trigger backup_runs_kept_bytes_truncate after truncate on pgbackops.backup_runs
  for each statement execute function pgbackops.keep_run_bytes();


-- definition_run_summaries: the runs that decide a definition's health and its line in the reports (the same
-- answers as run-stats.ts's probes and grouped aggregate, column for column; the tests compare them): its
-- latest run by start; its latest finished success ('succeeded' or 'expiring') by finish, with its duration;
-- the size of its newest success that has one; its latest finished failure ('failed' or 'abandoned') by finish,
-- with the failure's database, reason and detail. A deleted or expired run may have been any of these, so a
-- definition's row is recomputed (a few probes of migration 027's indexes) rather than merged. To be right when
-- two transactions change runs of one definition at once, the recomputation first locks the definition's row
-- (waiting for the other transaction to end) and only then reads the runs, in a statement of its own: under
-- READ COMMITTED, the runs the other transaction committed are then seen. A definition without runs has no row.
create table pgbackops.definition_run_summaries (
  definition         text primary key,
  latest_started_at  timestamptz,
  latest_status      text,
  latest_finished_at timestamptz,
  ok_status          text,
  ok_started_at      timestamptz,
  ok_finished_at     timestamptz,
  last_bytes         bigint,
  bad_status         text,
  bad_started_at     timestamptz,
  bad_finished_at    timestamptz,
  bad_database       text,
  bad_failure_reason text,
  bad_failure_detail text
);

create function pgbackops.refresh_run_summaries(names text[]) returns void language plpgsql as $$
begin
  if names is null or cardinality(names) = 0 then
    return;
  end if;
  -- The rows to recompute, locked in name order (two statements over several definitions cannot deadlock).
  insert into pgbackops.definition_run_summaries (definition)
  select n from unnest(names) as n order by n on conflict (definition) do nothing;
  perform 1 from pgbackops.definition_run_summaries where definition = any(names) order by definition for update;
  update pgbackops.definition_run_summaries s
     set latest_started_at = latest.started_at, latest_status = latest.status, latest_finished_at = latest.finished_at,
         ok_status = ok.status, ok_started_at = ok.started_at, ok_finished_at = ok.finished_at,
         last_bytes = coalesce(newest.bytes, sized.bytes),
         bad_status = bad.status, bad_started_at = bad.started_at, bad_finished_at = bad.finished_at,
         bad_database = bad.database, bad_failure_reason = bad.failure_reason, bad_failure_detail = bad.failure_detail
    from unnest(names) as d(name)
    left join lateral (
      select r.started_at, r.status, r.finished_at from pgbackops.backup_runs r
       where r.definition = d.name order by r.started_at desc limit 1) latest on true
    -- The newest success (a success without a finish time sorts first, as in run-stats.ts).
    left join lateral (
      select r.bytes from pgbackops.backup_runs r
       where r.definition = d.name and r.status in ('succeeded', 'expiring')
       order by r.finished_at desc limit 1) newest on true
    left join lateral (
      select r.bytes from pgbackops.backup_runs r
       where newest.bytes is null and r.definition = d.name and r.status in ('succeeded', 'expiring') and r.bytes is not null
       order by r.finished_at desc limit 1) sized on true
    left join lateral (
      select r.status, r.started_at, r.finished_at from pgbackops.backup_runs r
       where r.definition = d.name and r.status in ('succeeded', 'expiring') and r.finished_at is not null
       order by r.finished_at desc limit 1) ok on true
    left join lateral (
      select r.status, r.started_at, r.finished_at, r.database, r.failure_reason, r.failure_detail from pgbackops.backup_runs r
       where r.definition = d.name and r.status in ('failed', 'abandoned') and r.finished_at is not null
       order by r.finished_at desc limit 1) bad on true
   where s.definition = d.name;
  delete from pgbackops.definition_run_summaries where definition = any(names) and latest_started_at is null;
end $$;

create function pgbackops.refresh_changed_run_summaries() returns trigger language plpgsql as $$
begin
  if tg_op = 'TRUNCATE' then
    delete from pgbackops.definition_run_summaries;
  elsif tg_op = 'INSERT' then
    perform pgbackops.refresh_run_summaries(array(select distinct definition from new_runs));
  elsif tg_op = 'DELETE' then
    perform pgbackops.refresh_run_summaries(array(select distinct definition from old_runs));
  else
    perform pgbackops.refresh_run_summaries(array(select definition from new_runs union select definition from old_runs));
  end if;
  return null;
end $$;

create trigger backup_runs_summaries_insert after insert on pgbackops.backup_runs
  referencing new table as new_runs for each statement execute function pgbackops.refresh_changed_run_summaries();
create trigger backup_runs_summaries_update after update on pgbackops.backup_runs
  referencing old table as old_runs new table as new_runs for each statement execute function pgbackops.refresh_changed_run_summaries();
create trigger backup_runs_summaries_delete after delete on pgbackops.backup_runs
  referencing old table as old_runs for each statement execute function pgbackops.refresh_changed_run_summaries();
create trigger backup_runs_summaries_truncate after truncate on pgbackops.backup_runs
  for each statement execute function pgbackops.refresh_changed_run_summaries();

-- The runs recorded so far; writers wait meanwhile (creating a trigger locks them out until this transaction
-- commits, with the totals and the summaries in place), so no run is counted twice or missed.
lock table pgbackops.backup_runs in share row exclusive mode;
insert into pgbackops.definition_kept_bytes (definition, bytes, runs)
select definition, sum(coalesce(bytes, 0)), count(*) from pgbackops.backup_runs where status = 'succeeded' group by definition;
select pgbackops.refresh_run_summaries(array(select distinct definition from pgbackops.backup_runs));
