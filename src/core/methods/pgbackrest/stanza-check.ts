// The last check of each pgBackRest stanza, as `status`, the daemon's /status and /metrics show it
// (docs/pgbackrest.md, "A failing stanza"): every stanza a Node declares is listed, with the outcome recorded
// by whatever checked it last (apply, the daemon healing the server's file, `pgbackops check`), or as never
// checked. A failing check is shown with pgBackRest's error, never hidden. Pure.
import type { NodeSpec } from '../../model.js';

export type StanzaCheckSource = 'apply' | 'daemon' | 'check';

/** One check's outcome, as recorded in the catalog (pgbackrest_stanza_checks, migration 026). */
export interface StanzaCheckRecord {
  server: string;
  stanza: string;
  node: string;
  ok: boolean;
  /** pgBackRest's error, or what failed before `pgbackrest check` could run; null when it passed. */
  detail: string | null;
  checkedBy: StanzaCheckSource;
  /** Unix milliseconds. */
  checkedAt: number;
  /** Since when the checks have failed without a pass in between; null while they pass. */
  failingSince?: number | null;
}

export type StanzaCheckState = 'passing' | 'failing' | 'never_checked';

/** A stanza in the reports (snake_case, like the rest of `status --json`). */
export interface StanzaCheckStatus {
  stanza: string;
  node: string;
  server: string;
  state: StanzaCheckState;
  detail: string | null;
  checked_by: StanzaCheckSource | null;
  checked_at: string | null;
  failing_since: string | null;
}

/**
 * Every stanza the nodes declare (of one server, when given), sorted, with its last recorded check. A record
 * of a stanza no node declares any more is left out; a record of another node's stanza of that name (the node
 * was renamed) still describes the stanza, the repository's part of it.
 */
export function stanzaCheckStatuses(
  nodes: Iterable<{ name: string; spec: Pick<NodeSpec, 'backupServer' | 'pgbackrest'> }>, records: readonly StanzaCheckRecord[], server?: string,
): StanzaCheckStatus[] {
  const recorded = new Map(records.map((r) => [`${r.server}\u0000${r.stanza}`, r]));
  const out: StanzaCheckStatus[] = [];
  for (const n of nodes) {
    const stanza = n.spec.pgbackrest?.stanza;
    if (stanza === undefined || (server !== undefined && n.spec.backupServer !== server)) continue;
    const r = recorded.get(`${n.spec.backupServer}\u0000${stanza}`);
    const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
    out.push({
      stanza, node: n.name, server: n.spec.backupServer,
      state: r === undefined ? 'never_checked' : r.ok ? 'passing' : 'failing',
      detail: r?.detail ?? null, checked_by: r?.checkedBy ?? null, checked_at: iso(r?.checkedAt), failing_since: r?.ok ? null : iso(r?.failingSince ?? r?.checkedAt),
    });
  }
  return out.sort((a, b) => compare(a.server, b.server) || compare(a.stanza, b.stanza));
}

/** What the check of one stanza found, in one line, for the record. */
export function stanzaCheckOutcome(create: { ok: boolean; detail: string }, check: { ok: boolean; detail: string }): { ok: boolean; detail: string | null } {
  if (!create.ok) return { ok: false, detail: `stanza-create failed: ${create.detail}` };
  return check.ok ? { ok: true, detail: null } : { ok: false, detail: check.detail };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
