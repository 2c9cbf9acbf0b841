-- 029_definition_kept_bytes: `pgbackops status` reads each definition's kept bytes from a total kept per
-- definition instead of summing every succeeded run.
--
-- The sum over backup_runs read every succeeded run of the catalog (a parallel sequential scan: at 10,000,000
-- runs, seconds). The totals are kept by triggers on backup_runs, so every statement that records, expires,
-- abandons or deletes a run (run-store.ts, imports, anything else) changes the total in its own transaction:
-- a crash or a rollback undoes both, and no writer can forget to. A total is changed by a difference
-- (`bytes = bytes + delta`), never recomputed from a snapshot: two transactions recording runs of one
-- definition at once serialize on its row, and the second adds to what the first committed.
--
-- Kept bytes are the bytes of runs with status 'succeeded' (an 'expiring' run is being removed and no longer
-- counts), as `status` has always shown them; a run without a size counts 0. A definition without such a run
-- has no row (status shows 0). Statement-level triggers with transition tables: a statement that writes a
-- million runs changes each definition's total once, not a million times.
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

-- The totals of the runs recorded so far; writers wait meanwhile (this transaction holds the lock until the
-- totals and the triggers are both in place), so no run is counted twice or missed.
lock table pgbackops.backup_runs in share row exclusive mode;
insert into pgbackops.definition_kept_bytes (definition, bytes, runs)
select definition, sum(coalesce(bytes, 0)), count(*) from pgbackops.backup_runs where status = 'succeeded' group by definition;
