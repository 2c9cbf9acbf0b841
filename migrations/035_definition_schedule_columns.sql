-- 035_definition_schedule_columns: each definition's resolved schedule and timezone as columns, so that
-- `status` ranks 100,000 definitions by health in one statement without reading their specs (issue 16):
-- its listing (src/adapters/catalog/status-listing.ts) groups them by (schedule, timezone), learns when each
-- distinct schedule last fired (computed by the client, one instant per schedule), and joins that back.
-- Generated from the spec like node and enabled (001), so no writer can forget them.
alter table pgbackops.definitions
  add column schedule text generated always as (spec ->> 'resolvedSchedule') stored,
  add column timezone text generated always as (spec ->> 'timezone') stored;

-- What the listing reads of every definition, in an index of its own: an index-only scan of a few MB instead
-- of the table's tens of MB of specs at 100,000 definitions.
create index definitions_status_idx on pgbackops.definitions (name) include (node, enabled, schedule, timezone);
