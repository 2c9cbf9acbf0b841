-- 030_run_latest_indexes: a definition's latest run, latest success and latest failure read by index probes.
--
-- `pgbackops check-status` (a Nagios check run every few minutes) needs, per definition in scope, its latest
-- run and its latest finished success and failure. Read as an aggregate over every run of the scope, that
-- sorted every definition's runs: 1-3 s at 10,000 definitions with 30 runs each (bench/check-status.js).
-- With these, each definition costs three index-only probes (src/adapters/catalog/run-stats.ts). The partial
-- ones hold only finished successes and failures, which is exactly what the probes ask for. Creating them
-- on a large catalog reads the table once, inside the migration's transaction.
create index backup_runs_latest_idx on pgbackops.backup_runs (definition, started_at desc) include (status);
create index backup_runs_latest_success_idx on pgbackops.backup_runs (definition, finished_at desc) include (started_at, bytes)
  where status in ('succeeded', 'expiring') and finished_at is not null;
create index backup_runs_latest_failure_idx on pgbackops.backup_runs (definition, finished_at desc)
  where status in ('failed', 'abandoned') and finished_at is not null;
