-- 001_initial: the pgbackops catalog.
--
-- Applied by src/adapters/catalog/migrations.ts inside one transaction, under an advisory lock; the schema
-- `pgbackops` and the table `pgbackops.schema_migrations` are created by the runner itself beforehand.
--
-- Conventions:
-- - Configuration objects (retentions, backup_servers, nodes, definitions) keep the normalised spec as
--   jsonb plus its hash, exactly as the planner compares them. The few relational columns that foreign keys,
--   filters and joins need are GENERATED from the spec, so they can never disagree with it and writers only
--   ever supply (name, spec, spec_hash).
-- - Object names are the reconcile keys and end up in cron lines and paths: the configuration schema's rule
--   (lower-case letters, digits and inner hyphens, at most 63 characters) is enforced here as a backstop.
-- - Runs (backup_runs, restore_runs) reference definitions, nodes and servers by name without foreign
--   keys: a run is history and outlives the definition that produced it.

-- The catalog's own state: one row. `version` counts applies that changed something; a saved plan records
-- the version it was made against and is refused if it moved.
create table pgbackops.catalog_state (
  singleton               boolean primary key default true check (singleton),
  version                 bigint not null default 0 check (version >= 0),
  last_applied_revision   text,
  last_applied_at         timestamptz,
  last_attempted_revision text,
  last_attempted_at       timestamptz,
  -- Why the last attempt failed (null when it succeeded); shown by status and health checks.
  last_attempt_error      text
);
insert into pgbackops.catalog_state (singleton) values (true);

create table pgbackops.retentions (
  name       text primary key check (name ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  spec       jsonb not null check (jsonb_typeof(spec) = 'object'),
  spec_hash  text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table pgbackops.backup_servers (
  name       text primary key check (name ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  spec       jsonb not null check (jsonb_typeof(spec) = 'object'),
  spec_hash  text not null,
  -- How a daemon recognises itself (compared with its host name).
  host       text generated always as (spec ->> 'host') stored not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index backup_servers_host_idx on pgbackops.backup_servers (host);

create table pgbackops.nodes (
  name          text primary key check (name ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  spec          jsonb not null check (jsonb_typeof(spec) = 'object'),
  spec_hash     text not null,
  -- A node cannot point at a server that does not exist, and a server with nodes cannot be deleted.
  backup_server text generated always as (spec ->> 'backupServer') stored not null
                references pgbackops.backup_servers (name),
  status        text generated always as (spec ->> 'status') stored not null
                check (status in ('running', 'stopped')),
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now()
);
create index nodes_backup_server_idx on pgbackops.nodes (backup_server);

-- Backup definitions (kind Backup).
create table pgbackops.definitions (
  name       text primary key check (name ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  spec       jsonb not null check (jsonb_typeof(spec) = 'object'),
  spec_hash  text not null,
  node       text generated always as (spec ->> 'node') stored not null
             references pgbackops.nodes (name),
  -- A named retention must exist; an inline one (an object in the spec) has no row to point at.
  retention  text generated always as (
               case jsonb_typeof(spec -> 'retention') when 'string' then spec ->> 'retention' end
             ) stored
             references pgbackops.retentions (name),
  enabled    boolean generated always as (coalesce((spec -> 'enabled')::boolean, true)) stored not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index definitions_node_idx on pgbackops.definitions (node);
create index definitions_retention_idx on pgbackops.definitions (retention) where retention is not null;

-- One row per apply (including applies that changed nothing): who, what revision, what it did.
create table pgbackops.apply_history (
  id                     bigint generated always as identity primary key,
  revision               text not null,
  actor                  text not null,
  started_at             timestamptz not null,
  finished_at            timestamptz not null,
  -- Counts by action, e.g. {"create": 3, "update": 1, "delete": 0}.
  summary                jsonb not null default '{}',
  -- Safety brakes overridden explicitly for this apply (e.g. mass-deletion), recorded for audit.
  overrides              text[] not null default '{}',
  catalog_version_before bigint not null,
  catalog_version_after  bigint not null,
  check (finished_at >= started_at),
  check (catalog_version_after >= catalog_version_before)
);
create index apply_history_revision_idx on pgbackops.apply_history (revision);

-- Who holds the apply lock (a session advisory lock): written by the holder so that a waiter that times out
-- can name it. Rows whose backend no longer holds the lock are ignored (see apply-lock.ts).
create table pgbackops.apply_locks (
  lock_name   text primary key,
  actor       text not null,
  pid         integer not null,   -- OS process id of the holder
  host        text not null,      -- host name of the holder
  backend_pid integer not null,   -- the holder's PostgreSQL backend, to match pg_locks
  acquired_at timestamptz not null
);

-- One row per backup job run, written by `pgbackops run` (directly, or later from its spool).
create table pgbackops.backup_runs (
  -- Chosen by the job before it starts, so a spooled result is ingested exactly once.
  id               uuid primary key default gen_random_uuid(),
  definition       text not null,
  -- The definition's spec hash when the run started: which version of the definition produced it.
  definition_hash  text,
  node             text not null,
  backup_server    text not null,
  -- null for cluster-wide runs (pg_dumpall).
  database         text,
  backup_type      text check (backup_type in ('full', 'schema', 'data', 'cluster')),
  format           text check (format in ('custom', 'directory', 'plain')),
  status           text not null
                   check (status in ('running', 'succeeded', 'failed', 'skipped', 'abandoned', 'expiring')),
  started_at       timestamptz not null,
  finished_at      timestamptz,
  bytes            bigint check (bytes >= 0),
  -- Files of the backup with sizes and sha256 checksums.
  files            jsonb,
  -- What a restore needs besides the dump: roles, database settings and ACL, versions.
  manifest         jsonb,
  failure_reason   text,
  log              text,
  pg_dump_version  text,
  server_version   text,
  -- Where the backup is stored on its backup server.
  directory        text,
  -- Set when retention marks the run for removal (status 'expiring' = tombstone: files go first, then the row).
  expired_at       timestamptz,
  check (finished_at is null or finished_at >= started_at)
);
-- Latest runs of a definition, per database (reports, "last backup" checks).
create index backup_runs_definition_database_started_idx
  on pgbackops.backup_runs (definition, database, started_at desc);
-- Backups that hold files, per definition: retention passes and the planner's "has backups" counts.
create index backup_runs_with_files_idx
  on pgbackops.backup_runs (definition, started_at desc) where status in ('succeeded', 'expiring');
-- Runs still marked running on a server: overlap checks and abandoned-run detection.
create index backup_runs_running_idx
  on pgbackops.backup_runs (backup_server, definition) where status = 'running';

-- One row per restore run (the Restore kind and `pgbackops restore`).
create table pgbackops.restore_runs (
  id                  uuid primary key default gen_random_uuid(),
  -- The backup restored from; kept even after retention removed that backup (no foreign key).
  backup_run_id       uuid,
  definition          text,
  source_database     text,
  target_node         text not null,
  target_database     text not null,
  -- When an existing database was renamed out of the way on explicit request.
  renamed_existing_to text,
  status              text not null check (status in ('running', 'succeeded', 'failed')),
  started_at          timestamptz not null,
  finished_at         timestamptz,
  failure_reason      text,
  log                 text,
  pg_restore_version  text,
  server_version      text,
  check (finished_at is null or finished_at >= started_at)
);
create index restore_runs_backup_run_idx on pgbackops.restore_runs (backup_run_id);
create index restore_runs_target_started_idx on pgbackops.restore_runs (target_node, target_database, started_at desc);
