-- 024_run_read_indexes: the run listings read in order of time without reading the whole table.
--
-- `pgbackops backups` lists the newest runs first, of everything or of one node; at a million runs, without an
-- index in that order PostgreSQL read and sorted the whole table for every listing (bench/explain-runs.js).
-- Runs of one definition already have backup_runs_definition_database_started_idx. Creating these on a large
-- catalog reads the table once, inside the migration's transaction (writes to backup_runs wait meanwhile).
create index backup_runs_started_idx on pgbackops.backup_runs (started_at desc, id);
create index backup_runs_node_started_idx on pgbackops.backup_runs (node, started_at desc, id);
