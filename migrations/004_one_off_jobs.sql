-- 004_one_off_jobs: the Snapshot and Restore kinds, one-off jobs run once when due.
--
-- Like the other configuration tables, a row holds the normalised spec (written by apply, compared by the
-- planner). Unlike them, it also holds the job's status, which only the executor writes: apply never touches
-- the status columns, so changing or removing an object that already ran does nothing to its result.
--
-- Claiming: an executor (the daemon, or `pgbackops maintain`) moves a due row from `pending` to `running` in
-- one UPDATE whose candidate rows are selected FOR UPDATE SKIP LOCKED, with a fresh attempt_id. Any number of
-- executors may race: a row is claimed by exactly one of them, and only the holder of its attempt_id may
-- record the outcome.
--
-- States: pending -> running -> succeeded | failed; pending -> missed (not started within startingDeadline).
-- A `missed` job whose spec changes is pending again (its `at` was moved, say): it never ran.

create function pgbackops.rearm_missed_one_off() returns trigger language plpgsql as $$
begin
  if old.state = 'missed' and new.spec_hash is distinct from old.spec_hash then
    new.state := 'pending';
    new.attempt_id := null;
    new.claimed_by := null;
    new.claimed_at := null;
    new.finished_at := null;
    new.message := null;
    new.result := null;
  end if;
  return new;
end;
$$;

create table pgbackops.snapshots (
  name        text primary key check (name ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  spec        jsonb not null check (jsonb_typeof(spec) = 'object'),
  spec_hash   text not null,
  node        text generated always as (spec ->> 'node') stored not null references pgbackops.nodes (name),
  state       text not null default 'pending' check (state in ('pending', 'running', 'succeeded', 'failed', 'missed')),
  attempt_id  uuid,
  -- Who runs or ran it: "<host>:<pid>", so that a sweep on that host can tell a dead executor.
  claimed_by  text,
  claimed_at  timestamptz,
  finished_at timestamptz,
  -- One line for people (status reports), and the details for scripts (run ids, counts).
  message     text,
  result      jsonb,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);
create index snapshots_pending_idx on pgbackops.snapshots (node) where state = 'pending';
create trigger snapshots_rearm_missed before update on pgbackops.snapshots
  for each row execute function pgbackops.rearm_missed_one_off();

create table pgbackops.restores (
  name        text primary key check (name ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  spec        jsonb not null check (jsonb_typeof(spec) = 'object'),
  spec_hash   text not null,
  to_node     text generated always as (spec ->> 'toNode') stored not null references pgbackops.nodes (name),
  state       text not null default 'pending' check (state in ('pending', 'running', 'succeeded', 'failed', 'missed')),
  attempt_id  uuid,
  claimed_by  text,
  claimed_at  timestamptz,
  finished_at timestamptz,
  message     text,
  result      jsonb,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);
create index restores_pending_idx on pgbackops.restores (to_node) where state = 'pending';
create trigger restores_rearm_missed before update on pgbackops.restores
  for each row execute function pgbackops.rearm_missed_one_off();

-- Which process runs a restore ("<host>:<pid>"): a restore row left `running` by a process that was killed
-- is recognised by a maintain on that host and recorded as failed (abandoned), never left running forever.
alter table pgbackops.restore_runs add column executor text;
create index restore_runs_running_idx on pgbackops.restore_runs (executor) where status = 'running';
