-- 003_restore_runs: what `pgbackops restore` and `pgbackops verify --restore` record besides 001's columns.
--
-- - A cluster (pg_dumpall) restore has no single target database: target_database becomes nullable, and
--   the databases it created are listed in created_databases.
-- - purpose tells an operator's restore from a trial restore (verify --restore) whose scratch database is
--   dropped afterwards: both are restore-time evidence, only one left something behind.
-- - created_roles / created_databases: what a succeeded restore created outside the databases it was asked
--   for: an audit trail of what it changed in the cluster. A failed restore's log says what it created and
--   dropped again.
alter table pgbackops.restore_runs
  alter column target_database drop not null,
  add column purpose           text not null default 'restore' check (purpose in ('restore', 'trial')),
  add column backup_type       text,
  add column format            text,
  add column created_roles     text[] not null default '{}',
  add column created_databases text[] not null default '{}',
  add column actor             text;

create index restore_runs_started_idx on pgbackops.restore_runs (started_at desc);
