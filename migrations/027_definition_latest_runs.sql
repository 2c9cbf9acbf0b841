-- 027_definition_latest_runs: the status page reads what it shows, not every run (docs/status-page.md).
--
-- The page needs, per definition, its runs of the last 30 days (the timeline) and its latest run, latest
-- success and latest failure (its state). Read with one grouped query and one window over the whole table,
-- a catalog of 10,000 definitions and 300,000 runs sorted every run twice, on disk (work_mem 4 MB), for
-- 14-18 seconds on a loaded machine; with these indexes each definition is a few index probes and the
-- timeline reads only the window's runs, whatever the history's length (bench/explain-runs.js checks the plans).
--
-- The columns the page reads are INCLUDEd, so that these are index-only scans (no visit of the table's pages).
-- Creating them on a large catalog reads the table once, inside the migration's transaction (writes to
-- backup_runs wait meanwhile).

-- A definition's runs newest first: its latest run and its timeline window.
create index backup_runs_definition_started_idx
  on pgbackops.backup_runs (definition, started_at desc) include (status, finished_at, bytes);
-- Its successes by when they finished: the last success, its duration and size.
create index backup_runs_definition_succeeded_idx
  on pgbackops.backup_runs (definition, finished_at desc) include (started_at, bytes)
  where status in ('succeeded', 'expiring');
-- Its failures by when they finished (few: a definition that never failed has no entry).
create index backup_runs_definition_failed_idx
  on pgbackops.backup_runs (definition, finished_at desc)
  where status in ('failed', 'abandoned');
