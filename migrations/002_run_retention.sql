-- 002_run_retention: what a run needs to be pruned after its definition is gone, and a readable failure.
--
-- A run keeps the retention policy and timezone that were in force when it was taken: the backups of a
-- definition removed from the configuration are expired under their last retention (DESIGN.md section 4),
-- which the definitions table can no longer tell once the row is deleted.
alter table pgbackops.backup_runs
  add column retention      jsonb,
  add column timezone       text,
  -- The first relevant line of the tool's error output (failure_reason holds the stable category).
  add column failure_detail text;

-- Retention passes read every run of a backup server.
create index backup_runs_server_idx on pgbackops.backup_runs (backup_server, definition, database, started_at desc);
