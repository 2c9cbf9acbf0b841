-- 014_run_method: backup runs of any backup method (docs/architecture.md, "The method seam").
--
-- The columns every method fills stay shared: definition, node, backup server, database (null for a backup of
-- the whole cluster), status, times, directory, bytes, files with their sha256, server version, failure,
-- log, retention and timezone. What only one method knows goes in one place:
-- - `method` names the method that took the run; every run before this migration was pg_dump/pg_dumpall,
--   the `logical` method, which is also the default of a spec without `method:`;
-- - `method_facts` holds what a method records about a backup besides the shared columns (a physical backup's
--   label, start and stop LSN, timeline and WAL range; a pgBackRest backup's label, type and prior). Logical
--   runs leave it null: their facts are backup_type, format and pg_dump_version, which predate methods and
--   stay where reports and restores have always read them; no other method may set those.
alter table pgbackops.backup_runs
  add column method       text not null default 'logical' check (method ~ '^[a-z][a-z0-9-]*$'),
  add column method_facts jsonb check (method_facts is null or jsonb_typeof(method_facts) = 'object'),
  add constraint backup_runs_logical_facts
    check (method = 'logical' or (backup_type is null and format is null and pg_dump_version is null));

-- Runs that are not logical, by group: a retention pass asks for them (logical backups need nothing of each
-- other, the others may), and the index holds no entry for the logical runs that make up a catalog today.
create index backup_runs_not_logical_idx
  on pgbackops.backup_runs (backup_server, definition, database, method) where method <> 'logical';
