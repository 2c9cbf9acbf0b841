-- 018_wal_receivers: the state of each node's WAL receiver (docs/operations.md, "The WAL archive"), written by the
-- `pgbackops wal-receive` process that supervises the node's pg_receivewal on its archiving backup server, and
-- read by `status`, `check-status` and the daemon's /status and /metrics wherever they run.
--
-- One row per archived node, replaced at every heartbeat (every few seconds): a row whose heartbeat_at is old
-- means that no supervisor is alive, whatever its `state` says. LSNs are text as PostgreSQL prints them.
create table pgbackops.wal_receivers (
  node                text primary key,
  server              text not null,
  slot                text not null,
  state               text not null check (state in ('running', 'restarting', 'stopped')),
  supervisor_pid      integer,
  supervisor_host     text,
  receiver_pid        integer,
  started_at          timestamptz not null,
  heartbeat_at        timestamptz not null,
  restarts            integer not null default 0,
  last_error          text,
  last_error_at       timestamptz,
  -- What the node says: its current WAL position, the position the archive has flushed (pg_stat_replication),
  -- and the slot's retained WAL (pg_current_wal_lsn() - restart_lsn) and wal_status.
  node_lsn            text,
  received_lsn        text,
  received_at         timestamptz,
  lag_bytes           bigint,
  lag_seconds         double precision,
  slot_retained_bytes bigint,
  slot_wal_status     text,
  sampled_at          timestamptz
);
