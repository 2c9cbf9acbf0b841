// Where a page of a newest-first listing (`backups`, `history`'s restores) stopped, as the opaque text the
// next page is asked with (`--after`, and `next_after` in JSON). Pure.

/**
 * A page's last row: its start, to the microsecond as the catalog stores it (a JavaScript Date keeps
 * milliseconds: two runs started within one millisecond would compare wrongly), and its id.
 */
export interface PageCursor {
  /** ISO 8601 with microseconds, UTC. */
  startedAt: string;
  id: string;
}

const CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export function formatPageCursor(cursor: PageCursor): string {
  return `${cursor.startedAt}_${cursor.id}`;
}

/** The cursor `text` spells; null when it is not one formatPageCursor wrote. */
export function parsePageCursor(text: string): PageCursor | null {
  const m = CURSOR.exec(text.trim());
  if (!m || Number.isNaN(Date.parse(m[1]!))) return null;
  return { startedAt: m[1]!, id: m[2]!.toLowerCase() };
}
