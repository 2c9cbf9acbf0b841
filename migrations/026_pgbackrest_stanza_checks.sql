-- 026_pgbackrest_stanza_checks: the outcome of the last check of each pgBackRest stanza (docs/pgbackrest.md,
-- "A failing stanza"), written by whatever checked it last: `apply` (stanza-create, then `pgbackrest check`),
-- the daemon when it heals the server's pgBackRest file, and `pgbackops check`. Read by `status`, the daemon's
-- /status and /metrics wherever they run, so that a stanza whose check fails is shown, never hidden.
--
-- One row per stanza of a backup server, replaced at every check; apply removes the rows of stanzas the
-- server no longer has.
create table pgbackops.pgbackrest_stanza_checks (
  server       text not null,
  stanza       text not null,
  node         text not null,
  ok           boolean not null,
  -- pgBackRest's error (or what failed before `check` could run); null when the check passed.
  detail       text,
  -- 'apply', 'daemon' or 'check' (pgbackops check).
  checked_by   text not null check (checked_by in ('apply', 'daemon', 'check')),
  checked_at   timestamptz not null,
  -- Since when the checks have failed without a pass in between (null while they pass).
  failing_since timestamptz,
  primary key (server, stanza)
);
