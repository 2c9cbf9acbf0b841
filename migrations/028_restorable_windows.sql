-- 028_restorable_windows: the restorable window of each node (docs/restore.md, "The restorable window"), as last
-- computed on the machine that holds the node's WAL archive: by its daemon, `pgbackops maintain` or
-- `pgbackops check`. The window is read from the archive's files, which only that machine has; `status`, the
-- daemon's /status, the status page and check-status on any other machine show this record, with its age.
--
-- One row per node, replaced at every computation.
create table pgbackops.restorable_windows (
  node         text primary key,
  -- The window as `status --json` prints it (restorable_windows[]: from, to, from_lsn, ..., problem), without node.
  "window"     jsonb not null,
  computed_at  timestamptz not null,
  -- The host name of the machine that read the archive, and what did: 'daemon', 'maintain' or 'check'.
  computed_on  text not null,
  computed_by  text not null check (computed_by in ('daemon', 'maintain', 'check'))
);
