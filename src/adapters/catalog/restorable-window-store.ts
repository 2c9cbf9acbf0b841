// The restorable window of each node as last computed where its WAL archive is (pgbackops.restorable_windows,
// migration 028): written by the daemon, `maintain` and `check` on that machine, read by status, /status, the
// status page and check-status anywhere else (src/engine/restorable-windows.ts).
import type { RecordedWindow, WindowComputedBy } from '../../core/wal/restorable-window.js';
import type { Query } from './migrations.js';

type WithQuery = <T>(fn: (query: Query) => Promise<T>) => Promise<T>;

export class RestorableWindowStore {
  constructor(private readonly withQuery: WithQuery) {}

  /** Replaces the rows of these nodes. */
  async record(windows: readonly RecordedWindow[]): Promise<void> {
    if (windows.length === 0) return;
    await this.withQuery(async (query) => {
      // One statement for every node: a fleet's windows in one round trip.
      await query(
        `insert into pgbackops.restorable_windows (node, "window", computed_at, computed_on, computed_by)
         select * from unnest($1::text[], $2::jsonb[], $3::timestamptz[], $4::text[], $5::text[])
         on conflict (node) do update set "window" = excluded."window", computed_at = excluded.computed_at,
           computed_on = excluded.computed_on, computed_by = excluded.computed_by`,
        [
          windows.map((w) => w.node), windows.map((w) => JSON.stringify(w.window)), windows.map((w) => w.computedAt),
          windows.map((w) => w.computedOn), windows.map((w) => w.computedBy),
        ],
      );
    });
  }

  async list(nodes: readonly string[]): Promise<RecordedWindow[]> {
    if (nodes.length === 0) return [];
    return this.withQuery(async (query) => {
      const result = await query(
        'select node, "window", computed_at, computed_on, computed_by from pgbackops.restorable_windows where node = any($1::text[]) order by node',
        [nodes],
      );
      return (result.rows as Record<string, unknown>[]).map((row) => ({
        node: row.node as string, window: row.window as RecordedWindow['window'], computedAt: new Date(row.computed_at as Date).toISOString(),
        computedOn: row.computed_on as string, computedBy: row.computed_by as WindowComputedBy,
      }));
    });
  }
}
