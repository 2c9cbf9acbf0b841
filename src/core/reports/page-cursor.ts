// Where a page of a newest-first listing (`backups`, `history`'s restores) stopped, as the opaque text the
// next page is asked with (`--after`, and `next_after` in JSON), and where a page of `status` stopped. Pure.
import type { StatusKey } from './status-order.js';

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

/**
 * `history` pages two lists at once (applies and restores, each newest first): its cursor is where each
 * stopped, `end` for a list the page finished. An apply's id is a number, a restore's a uuid.
 */
export interface HistoryCursor {
  applies: PageCursor | 'end';
  restores: PageCursor | 'end';
}

const TIME = String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z`;
const HISTORY_CURSOR = new RegExp(`^(?:(${TIME})_(\\d+)|end)~(?:(${TIME})_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})|end)$`, 'i');

/** The next page's cursor; null when both lists are finished. */
export function formatHistoryCursor(applies: PageCursor | null, restores: PageCursor | null): string | null {
  if (applies === null && restores === null) return null;
  return `${applies ? formatPageCursor(applies) : 'end'}~${restores ? formatPageCursor(restores) : 'end'}`;
}

export function parseHistoryCursor(text: string): HistoryCursor | null {
  const m = HISTORY_CURSOR.exec(text.trim());
  if (!m) return null;
  const [, appliedAt, applyId, restoredAt, restoreId] = m;
  if ((appliedAt && Number.isNaN(Date.parse(appliedAt))) || (restoredAt && Number.isNaN(Date.parse(restoredAt)))) return null;
  return {
    applies: appliedAt ? { startedAt: appliedAt, id: applyId! } : 'end',
    restores: restoredAt ? { startedAt: restoredAt, id: restoreId!.toLowerCase() } : 'end',
  };
}

/**
 * `status` pages its definitions in STATUS_ORDER (status-order.ts): its cursor is the last definition's state
 * and name, `failing:db-0042`. A name is lower case letters, digits and dashes, a state id has no colon.
 */
const STATUS_CURSOR = /^(failing|late|never_run|healthy|unscheduled):([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)$/;

export function formatStatusCursor(key: StatusKey): string {
  return `${key.state}:${key.name}`;
}

export function parseStatusCursor(text: string): StatusKey | null {
  const m = STATUS_CURSOR.exec(text.trim());
  return m ? { state: m[1] as StatusKey['state'], name: m[2]! } : null;
}
