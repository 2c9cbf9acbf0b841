-- 025_restore_to_dir: a declarative Restore may restore a physical backup into a directory on its backup server
-- (spec.toDir, recovered to a point in time; docs/restore.md, "Declarative restores") instead of into a node
-- (spec.toNode). Such a Restore names no Node: the generated to_node column becomes nullable (still a reference
-- to the Node when set), and exactly one of toNode and toDir is in the spec.
alter table pgbackops.restores
  alter column to_node drop not null,
  add constraint restores_one_destination check ((spec ? 'toNode') <> (spec ? 'toDir'));
