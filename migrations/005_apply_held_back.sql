-- 005_apply_held_back: what the last apply held back, so a partially applied revision is never shown as
-- applied completely.
--
-- An apply commits every action it may and holds back the others: deletes of definitions that still have
-- backups (they need --prune), and the deletes of what such a definition keeps referenced. The revision is
-- then recorded as last applied (its other changes are in) together with the list of actions held back,
-- each {"op", "kind", "name", "reason"}; an empty list means the revision was applied completely.
-- `catalog status` and the daemon show it; apply_history's summary already counts them ("blocked").
alter table pgbackops.catalog_state
  add column last_applied_held_back jsonb not null default '[]'
    check (jsonb_typeof(last_applied_held_back) = 'array');
