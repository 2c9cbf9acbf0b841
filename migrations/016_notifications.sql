-- 016_notifications: Notifier objects, the alert state per (subject, family), and the notification outbox.
--
-- Notifiers are a configuration kind like the others (name, normalised spec, hash). BackupServers, Nodes and
-- Backups name theirs in spec.notifiers (a list: no foreign key; the planner refuses to delete a Notifier
-- that is still named, see src/core/references.ts).
create table pgbackops.notifiers (
  name       text primary key check (name ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  spec       jsonb not null check (jsonb_typeof(spec) = 'object'),
  spec_hash  text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Whether something is in a bad state, per (subject, family): "definition:orders-nightly" + "run", "catalog"
-- + "apply". A change of state is detected once, whoever sees it first, by updating this row under FOR
-- UPDATE in the transaction that records the cause; alerts, reminders and recovery notices are derived from it.
create table pgbackops.notification_state (
  subject    text not null,
  family     text not null check (family in ('run', 'late', 'verify', 'apply', 'wal')),
  bad        boolean not null default false,
  -- When it turned bad, and what turned it bad (a run id, a revision, the missed schedule time): the
  -- episode that the alert, its reminders and its recovery notice belong to (their idempotency keys).
  bad_since  timestamptz,
  cause      text,
  -- The event that opened the episode (without delivery fields): reminders repeat it.
  event      jsonb,
  updated_at timestamptz not null default now(),
  primary key (subject, family)
);

-- One row per (event, notifier): what is to be delivered, until it is. Inserted in the transaction of the
-- state change it reports, or idempotently by key. Deliverers claim rows FOR UPDATE SKIP LOCKED and hold
-- the row lock while sending, so two deliverers never send one row at once.
create table pgbackops.notification_outbox (
  id              bigint generated always as identity primary key,
  -- "<event id>@<notifier>": sent with the delivery (Idempotency-Key header, Message-ID, environment).
  idempotency_key text not null unique,
  notifier        text not null,
  -- The server whose deliverer sends it (its maintain or daemon); null: any deliverer (apply events).
  backup_server   text,
  event           jsonb not null check (jsonb_typeof(event) = 'object'),
  attempts        integer not null default 0 check (attempts >= 0),
  created_at      timestamptz not null default now(),
  next_attempt_at timestamptz not null default now(),
  delivered_at    timestamptz,
  -- Set when delivery stopped for good (the notifier was removed, or too many attempts failed).
  given_up_at     timestamptz,
  last_error      text
);
create index notification_outbox_pending_idx
  on pgbackops.notification_outbox (next_attempt_at) where delivered_at is null and given_up_at is null;

-- A daemon LISTENs on this channel and delivers at once; the trigger fires for every insert, whoever inserts.
create function pgbackops.notification_outbox_wake() returns trigger language plpgsql as $$
begin
  perform pg_notify('pgbackops_notification', '');
  return null;
end $$;
create trigger notification_outbox_wake after insert on pgbackops.notification_outbox
  for each statement execute function pgbackops.notification_outbox_wake();
