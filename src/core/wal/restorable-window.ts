// The restorable window of a node (docs/restore.md, "The restorable window"): from the end of the oldest kept
// base backup that the WAL archive continues without a gap, to the archive's latest point. Every instant in it
// can be a recovery target; before it there is no backup to start from, after it no WAL. Pure: the facts come
// from the catalog (the kept backups) and from the archive's contents (archive-head.ts reads them).
//
// How exact the end is: its LSN is where the archived WAL ends (the end of the last whole record of
// pg_receivewal's .partial segment, or the end of the newest complete segment). Its time is the timestamp of the
// newest commit or abort record in the archive, as PostgreSQL recorded it (microseconds): recovery_target_time
// stops only at such a record later than the target, so a time target must be earlier than the end, and
// `latest` reaches it. Only when the files cannot be read (no pg_waldump of the node's major version) is the end's
// time the newest file's modification time, an upper bound, and the window says so.
import type { ArchiveSummary } from './archive-range.js';
import { pathRange, recoveryPath, type TimelineHistories } from './timeline-history.js';
import { formatLsn, parseLsn, segnoOfLsn, walSegmentName } from './wal-segment.js';

/** What the archive's contents say about its newest WAL (src/methods/basebackup/archive-head.ts). */
export interface ArchiveHead {
  /** The newest timeline with segments in the archive. */
  timeline: number;
  segmentSize: number;
  /** The newest segment of that timeline, and the first one of the gapless run that ends at it. */
  newestSegno: bigint;
  gaplessFromSegno: bigint;
  /** The newest segment is pg_receivewal's .partial (being written). */
  partial: boolean;
  /** The end of the archived WAL: after the last valid record of a .partial, else the end of the newest segment. */
  endLsn: string;
  /** The newest commit or abort record found reading back from the newest segment; null when none was. */
  lastTransaction: { lsn: string; time: string } | null;
  /** The oldest segment read looking for it: below it, nothing was read. */
  readFromSegno: bigint;
  /** When the newest file was last written (milliseconds since the epoch). */
  newestWriteMs: number;
  /** Why the contents could not be read (then lastTransaction is null and readFromSegno is newestSegno + 1). */
  unreadable: string | null;
}

/** A kept (succeeded, not expired) base backup of the node, from the catalog. */
export interface KeptBaseBackup {
  id: string;
  timeline: number;
  stopLsn: string;
  /** The node's clock when the backup ended: the earliest instant a restore from it reaches. */
  endTime: string;
}

export type WindowEndSource =
  /** The timestamp of the newest commit or abort record in the archive: exact. */
  | 'last-transaction'
  /** Nothing was committed after the newest backup usable here: its end is the latest point. */
  | 'backup-end'
  /** The archive's files could not be read: the newest file's modification time, an upper bound. */
  | 'file-time';

export interface RestorableWindow {
  /** ISO 8601 instants and LSNs; timeline of the WAL recovery follows. */
  from: string;
  fromLsn: string;
  fromBackup: string;
  to: string;
  toLsn: string;
  toSource: WindowEndSource;
  timeline: number;
  /** The newest archived segment (its plain name), and whether pg_receivewal is still writing it. */
  newestSegment: string;
  partial: boolean;
  /** Kept backups outside the window (a timeline the newest does not descend from, or before a gap in the archive): each restores only to its own end. */
  outside: string[];
}

/** Who computed a window recorded in the catalog, on the machine holding the archive. */
export type WindowComputedBy = 'daemon' | 'maintain' | 'check';

/** Where a window read from the catalog was computed (absent: read from the archive here, now). */
export interface WindowComputed {
  at: string;
  on: string;
  by: WindowComputedBy;
}

export type WindowVerdict = ({ window: RestorableWindow; problem: null } | { window: null; problem: string }) & { computed?: WindowComputed };

/**
 * The archive's timelines (docs/restore.md, "Timelines"): a backup taken on an older timeline is in the window
 * when the newest timeline descends from it after the backup's end and every segment of the older timelines'
 * parts is archived. Without them only backups on the newest timeline are.
 */
export interface ArchiveTimelines {
  summary: ArchiveSummary;
  histories: TimelineHistories;
}

const NO_KEPT_BACKUP = 'no kept base backup of this node: a point-in-time restore starts from one';
const NO_SEGMENT_YET = 'the WAL archive holds no segment yet';

export function restorableWindow(backups: readonly KeptBaseBackup[], head: ArchiveHead | null, timelines?: ArchiveTimelines): WindowVerdict {
  if (backups.length === 0) return { window: null, problem: NO_KEPT_BACKUP };
  if (head === null) return { window: null, problem: NO_SEGMENT_YET };
  const size = head.segmentSize;
  const inRun = (b: KeptBaseBackup) => {
    if (b.timeline !== head.timeline && !timelines) return false;
    const path = recoveryPath(timelines?.histories ?? new Map(), b, head.timeline, size);
    if (path.problem !== null) return false;
    // Where the path enters the newest timeline must lie in its gapless run, and the older parts be complete.
    const entry = path.legs.at(-1)!.fromSegno;
    if (entry < head.gaplessFromSegno || entry > head.newestSegno) return false;
    return path.legs.length === 1 || pathRange(timelines!.summary, path.legs, size).onTarget;
  };
  const byStop = [...backups].sort((a, b) => cmp(parseLsn(a.stopLsn), parseLsn(b.stopLsn)) || a.id.localeCompare(b.id));
  const usable = byStop.filter(inRun);
  const outside = byStop.filter((b) => !inRun(b)).map((b) => b.id);
  if (usable.length === 0) {
    const from = walSegmentName(head.timeline, head.gaplessFromSegno, size);
    return {
      window: null,
      problem: `no kept base backup ends in the archive's gapless WAL (timeline ${head.timeline}, from ${from}): each restores only to its own end`,
    };
  }
  const oldest = usable[0]!;
  const newest = usable.at(-1)!;
  const endLsn = parseLsn(head.endLsn) > parseLsn(newest.stopLsn) ? head.endLsn : newest.stopLsn;
  let to: string;
  let toSource: WindowEndSource;
  const tx = head.lastTransaction;
  if (tx !== null && parseLsn(tx.lsn) > parseLsn(newest.stopLsn)) {
    to = tx.time;
    toSource = 'last-transaction';
  } else if (tx !== null || (head.unreadable === null && head.readFromSegno <= segnoOfLsn(newest.stopLsn, size))) {
    // The newest transaction is older than the backup's end, or none was written since: the backup's end.
    to = newest.endTime;
    toSource = 'backup-end';
  } else {
    to = new Date(Math.max(head.newestWriteMs, Date.parse(newest.endTime))).toISOString();
    toSource = 'file-time';
  }
  return {
    window: {
      from: oldest.endTime, fromLsn: formatLsn(parseLsn(oldest.stopLsn)), fromBackup: oldest.id,
      to, toLsn: formatLsn(parseLsn(endLsn)), toSource, timeline: head.timeline,
      newestSegment: walSegmentName(head.timeline, head.newestSegno, size), partial: head.partial, outside,
    },
    problem: null,
  };
}

function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What `status --json`, the daemon's /status and the status page show of a node's window. */
export interface RestorableWindowStatus {
  node: string;
  /** Null when there is no window; `problem` says why. */
  from: string | null;
  to: string | null;
  from_lsn: string | null;
  to_lsn: string | null;
  from_backup: string | null;
  timeline: number | null;
  /** How the end's time is known (WindowEndSource). */
  to_source: WindowEndSource | null;
  newest_segment: string | null;
  partial: boolean | null;
  /** Kept backups that restore only to their own end. */
  outside_backups: string[];
  problem: string | null;
  /**
   * A window computed on another machine (the one holding the archive) and read from the catalog: when, where,
   * by what, and how old it is (seconds, at the report's time). All null: read from the archive here, now.
   */
  computed_at: string | null;
  computed_on: string | null;
  computed_by: WindowComputedBy | null;
  age_seconds: number | null;
}

/** What the catalog keeps of a node's window (migration 028): the status without node and provenance. */
export type RecordedWindowStatus = Omit<RestorableWindowStatus, 'node' | 'computed_at' | 'computed_on' | 'computed_by' | 'age_seconds'>;

export interface RecordedWindow {
  node: string;
  window: RecordedWindowStatus;
  computedAt: string;
  computedOn: string;
  computedBy: WindowComputedBy;
}

export function restorableWindowStatus(node: string, verdict: WindowVerdict, now: number = Date.now()): RestorableWindowStatus {
  const w = verdict.window;
  const c = verdict.computed;
  return {
    node, from: w?.from ?? null, to: w?.to ?? null, from_lsn: w?.fromLsn ?? null, to_lsn: w?.toLsn ?? null, from_backup: w?.fromBackup ?? null,
    timeline: w?.timeline ?? null, to_source: w?.toSource ?? null, newest_segment: w?.newestSegment ?? null, partial: w?.partial ?? null,
    outside_backups: w?.outside ?? [], problem: verdict.problem,
    computed_at: c?.at ?? null, computed_on: c?.on ?? null, computed_by: c?.by ?? null,
    age_seconds: c ? Math.max(0, Math.round((now - Date.parse(c.at)) / 1000)) : null,
  };
}

/** The record of a window computed here, for the catalog. */
export function recordedWindow(node: string, verdict: WindowVerdict, computed: WindowComputed): RecordedWindow {
  const { node: _node, computed_at: _at, computed_on: _on, computed_by: _by, age_seconds: _age, ...window } = restorableWindowStatus(node, verdict);
  return { node, window, computedAt: computed.at, computedOn: computed.on, computedBy: computed.by };
}

/**
 * `pgbackops check`'s line of a node's window: NO when kept base backups exist and the archive takes none of
 * them past its own end (a gap after them, an unreadable archive), which is what a gap in the archive costs;
 * nothing kept or nothing archived yet is the state before the first backup, not a missing prerequisite.
 */
export function windowCheck(verdict: WindowVerdict): { ok: boolean; detail: string } {
  const w = verdict.window;
  if (w) return { ok: true, detail: `from ${w.from} (backup ${w.fromBackup}) to ${w.to} on timeline ${w.timeline}${w.outside.length > 0 ? `; ${w.outside.length} kept backup(s) outside it restore only to their own end` : ''}` };
  const beforeFirstBackup = verdict.problem === NO_KEPT_BACKUP || verdict.problem === NO_SEGMENT_YET;
  return { ok: beforeFirstBackup, detail: beforeFirstBackup ? verdict.problem : `${verdict.problem}; take a new base backup (docs/restore.md, "The restorable window")` };
}

/** A window read back from the catalog, as a verdict marked with where and when it was computed. */
export function verdictOfRecord(record: RecordedWindow): WindowVerdict {
  const w = record.window;
  const computed: WindowComputed = { at: record.computedAt, on: record.computedOn, by: record.computedBy };
  if (w.problem !== null || w.from === null || w.to === null) return { window: null, problem: w.problem ?? 'no window recorded', computed };
  return {
    window: {
      from: w.from, fromLsn: w.from_lsn ?? '', fromBackup: w.from_backup ?? '', to: w.to, toLsn: w.to_lsn ?? '', toSource: w.to_source ?? 'file-time',
      timeline: w.timeline ?? 0, newestSegment: w.newest_segment ?? '', partial: w.partial ?? false, outside: w.outside_backups ?? [],
    },
    problem: null, computed,
  };
}
