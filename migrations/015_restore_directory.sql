-- 015_restore_directory: restores of the physical methods (basebackup, pgbackrest), which restore a whole
-- cluster into a directory on the machine running the restore, to a recovery target, instead of into a node.
--
-- - `method` names the backup method whose backup was restored (every restore before this one was logical);
-- - a directory restore has no target node: target_node becomes nullable, and exactly one of target_node and
--   target_dir is set;
-- - `recovery_target` is what recovery was asked to reach as the command line said it ("end", "latest",
--   "time 2026-12-05T10:00:00Z", "lsn 0/3000028", "name before-upgrade");
-- - `method_facts` holds what the method records about the restore besides the shared columns (the point
--   recovery reached, the port the cluster was started on, the recovery time), like backup_runs.method_facts.
alter table pgbackops.restore_runs
  alter column target_node drop not null,
  add column method          text not null default 'logical' check (method ~ '^[a-z][a-z0-9-]*$'),
  add column target_dir      text,
  add column recovery_target text,
  add column method_facts    jsonb check (method_facts is null or jsonb_typeof(method_facts) = 'object'),
  add constraint restore_runs_one_target check ((target_node is null) <> (target_dir is null));
