// The last check of each pgBackRest stanza (pgbackops.pgbackrest_stanza_checks, migration 026): written by apply,
// the daemon and `pgbackops check`, read by status, the daemon's /status and /metrics
// (src/core/methods/pgbackrest/stanza-check.ts shapes them for the reports).
import type { StanzaCheckRecord, StanzaCheckSource } from '../../core/methods/pgbackrest/stanza-check.js';
import type { Query } from './migrations.js';

type WithQuery = <T>(fn: (query: Query) => Promise<T>) => Promise<T>;

export class StanzaCheckStore {
  constructor(private readonly withQuery: WithQuery) {}

  /**
   * Records these checks (one row per server and stanza, replaced). With `allOf`, the checks are every stanza
   * that server has now (apply's): the rows of its other stanzas, removed from the configuration, go.
   */
  async record(checks: readonly StanzaCheckRecord[], options: { allOf?: string } = {}): Promise<void> {
    await this.withQuery(async (query) => {
      await query('begin');
      try {
        if (options.allOf !== undefined) {
          await query('delete from pgbackops.pgbackrest_stanza_checks where server = $1 and not (stanza = any($2::text[]))', [
            options.allOf, checks.filter((c) => c.server === options.allOf).map((c) => c.stanza),
          ]);
        }
        for (const c of checks) {
          // failing_since: the first failure since the last pass, kept while the checks go on failing.
          await query(
            `insert into pgbackops.pgbackrest_stanza_checks (server, stanza, node, ok, detail, checked_by, checked_at, failing_since)
             values ($1, $2, $3, $4, $5, $6, $7, case when $4 then null else $7::timestamptz end)
             on conflict (server, stanza) do update set node = excluded.node, ok = excluded.ok, detail = excluded.detail,
               checked_by = excluded.checked_by, checked_at = excluded.checked_at,
               failing_since = case when excluded.ok then null else coalesce(pgbackrest_stanza_checks.failing_since, excluded.checked_at) end`,
            [c.server, c.stanza, c.node, c.ok, c.detail, c.checkedBy, new Date(c.checkedAt).toISOString()],
          );
        }
        await query('commit');
      } catch (err) {
        await query('rollback').catch(() => undefined);
        throw err;
      }
    });
  }

  async list(server?: string): Promise<StanzaCheckRecord[]> {
    return this.withQuery(async (query) => {
      const result = await query(
        `select server, stanza, node, ok, detail, checked_by, checked_at, failing_since from pgbackops.pgbackrest_stanza_checks
         ${server === undefined ? '' : 'where server = $1'} order by server, stanza`,
        server === undefined ? [] : [server],
      );
      return (result.rows as Record<string, unknown>[]).map((row) => ({
        server: row.server as string, stanza: row.stanza as string, node: row.node as string, ok: row.ok as boolean,
        detail: (row.detail as string | null) ?? null, checkedBy: row.checked_by as StanzaCheckSource,
        checkedAt: new Date(row.checked_at as Date).getTime(),
        failingSince: row.failing_since === null ? null : new Date(row.failing_since as Date).getTime(),
      }));
    });
  }
}
