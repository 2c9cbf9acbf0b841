// The order `status` and the daemon's /status list definitions in, and how such a listing is paged: problems
// first (failing, late, never run, then healthy, then unscheduled), by name within a state (C collation, as
// the catalog sorts names). A page ends at a (state, name) key and the next one starts after it (`--after`,
// `?after=`, `next_after` in JSON, page-cursor.ts's spelling), so a definition added or removed between two
// pages moves no other one; one whose state changes between two pages is listed where its new state puts it.
// Pure.
import type { HealthStateId } from './definition-health.js';

/** The states in listing order: what needs a DBA first. */
export const STATUS_ORDER: readonly HealthStateId[] = ['failing', 'late', 'never_run', 'healthy', 'unscheduled'];

/** Definitions per page when no --limit is given: a fleet this size or smaller is listed whole, as before paging. */
export const DEFAULT_STATUS_LIMIT = 1000;

/** Where a status page stopped: its last definition's state and name. */
export interface StatusKey {
  state: HealthStateId;
  name: string;
}

export function statusRank(state: HealthStateId): number {
  return STATUS_ORDER.indexOf(state);
}

export function isHealthStateId(text: string): text is HealthStateId {
  return (STATUS_ORDER as readonly string[]).includes(text);
}

export function compareStatusKeys(a: StatusKey, b: StatusKey): number {
  return statusRank(a.state) - statusRank(b.state) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Which definitions a page shows: at most `limit`, after `after`, of one state if `state` is given. */
export interface StatusPageRequest {
  limit: number;
  after: StatusKey | null;
  state: HealthStateId | null;
}

/**
 * A page of `sorted` (in STATUS_ORDER, names ascending within a state): the items after `after` and of
 * `state`, at most `limit`, and the key of its last item when more follow (else null).
 */
export function statusPage<T extends StatusKey>(sorted: readonly T[], page: StatusPageRequest): { items: T[]; nextAfter: StatusKey | null } {
  let start = 0;
  if (page.after !== null) {
    // The first item past the cursor: binary search on the listing's own order.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareStatusKeys(sorted[mid]!, page.after) <= 0) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const items: T[] = [];
  let more = false;
  for (let i = start; i < sorted.length; i++) {
    const item = sorted[i]!;
    if (page.state !== null && item.state !== page.state) continue;
    if (items.length === page.limit) {
      more = true;
      break;
    }
    items.push(item);
  }
  const last = items.at(-1);
  return { items, nextAfter: more && last ? { state: last.state, name: last.name } : null };
}

/**
 * The page asked for by `status --limit --after --state` or the daemon's `/status?limit=&after=&state=` (absent:
 * the default page of every state), or what is wrong with it. `flag` spells a parameter as its caller names it.
 */
export function parseStatusPageRequest(
  asked: { limit?: string | null; after?: string | null; state?: string | null },
  parseCursor: (text: string) => StatusKey | null,
  flag: (name: 'limit' | 'after' | 'state') => string,
): StatusPageRequest | { error: string } {
  const limit = asked.limit === undefined || asked.limit === null ? DEFAULT_STATUS_LIMIT : Number(asked.limit);
  if (!Number.isInteger(limit) || limit < 1 || !/^\s*\d+\s*$/.test(asked.limit ?? '1')) return { error: `${flag('limit')} must be a positive integer` };
  const after = asked.after === undefined || asked.after === null ? null : parseCursor(asked.after);
  if (after === null && asked.after !== undefined && asked.after !== null) {
    return { error: `${flag('after')} must be the cursor a previous page printed (next_after), e.g. failing:db-0042` };
  }
  const state = asked.state ?? null;
  if (state !== null && !isHealthStateId(state)) return { error: `${flag('state')} must be one of ${STATUS_ORDER.join(', ')}` };
  return { limit, after, state };
}
