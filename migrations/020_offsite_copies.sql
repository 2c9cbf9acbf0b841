-- 020_offsite_copies: ObjectStore objects, and the off-site copy of each backup run in each store.
--
-- ObjectStores are a configuration kind like the others (name, normalised spec, hash). Backups, Snapshots and
-- BackupServers name theirs in spec.offsite (a list: no foreign key; the planner refuses to delete a store
-- that is still named, see src/core/references.ts).
create table pgbackops.object_stores (
  name       text primary key check (name ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  spec       jsonb not null check (jsonb_typeof(spec) = 'object'),
  spec_hash  text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- One row per (backup run, store): the copy's state.
--   pending  -> to be uploaded (a new copy, or one whose upload was interrupted: never counted as copied);
--   copied   -> every object uploaded and verified, then the marker object written last, then this row;
--   failed   -> the last attempt failed (failure_reason); maintain retries it after a backoff by attempts;
--   expiring -> remote retention's tombstone: its objects are being removed;
--   expired  -> its objects are gone; the row stays as history.
-- Local and remote retention are independent: local retention deletes the backup_runs row when it removes the
-- local files, while the copy lives on. So the copy keeps what a restore and remote retention need of the
-- run (`run`: the run record without its log; retention and timezone in force when the copy was made), and
-- has no foreign key to backup_runs.
create table pgbackops.offsite_copies (
  run_id          uuid not null,
  store           text not null check (store ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  backup_server   text not null,
  definition      text not null,
  node            text not null,
  -- null for a backup of the whole cluster.
  database        text,
  run_started_at  timestamptz not null,
  state           text not null check (state in ('pending', 'copied', 'failed', 'expiring', 'expired')),
  attempts        integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz not null default now(),
  failure_reason  text,
  -- The process making an attempt now ("<host>:<pid>", as restores record theirs): another process takes the
  -- copy over only when that one is dead (same host) or the claim is stale (another host).
  claimed_by      text,
  claimed_at      timestamptz,
  -- The key prefix of the copy's objects in the store (ends with '/'); its files are <prefix><relative path>.
  key_prefix      text not null,
  -- Set when copied: every object's key, size and sha256, and how the upload was re-verified.
  objects         jsonb check (objects is null or jsonb_typeof(objects) = 'array'),
  bytes           bigint check (bytes >= 0),
  verified_by     text check (verified_by in ('checksum', 'read-back')),
  run             jsonb not null check (jsonb_typeof(run) = 'object'),
  retention       jsonb not null check (jsonb_typeof(retention) = 'object'),
  timezone        text not null,
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  copied_at       timestamptz,
  failed_at       timestamptz,
  expired_at      timestamptz,
  primary key (run_id, store),
  check (state <> 'copied' or (objects is not null and copied_at is not null))
);
-- maintain's retries: the copies of a server still to be made, by when they are due.
create index offsite_copies_due_idx on pgbackops.offsite_copies (backup_server, next_attempt_at) where state in ('pending', 'failed');
-- Remote retention reads a server's copies per store, definition and database.
create index offsite_copies_server_idx on pgbackops.offsite_copies (backup_server, store, definition, database, run_started_at desc);
