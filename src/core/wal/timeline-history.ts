// Timelines in a WAL archive (docs/restore.md, "Timelines"): after a point-in-time restore or a failover a
// cluster continues on a new timeline, and its `<TLI>.history` file (archived by archive_command and stored by
// pg_receivewal alike) says which timeline it branched from and at which LSN, for every ancestor. Recovery from a
// backup taken on an older timeline follows that history: the old timeline's segments up to the switch point,
// then the new timeline's. This file decides, as PostgreSQL does (src/backend/access/transam/timeline.c,
// xlogrecovery.c), which timeline a restore ends on and which segments of which timeline it reads. Pure.
import type { ArchiveSummary } from './archive-range.js';
import { DEFAULT_WAL_SEGMENT_SIZE, parseLsn, segnoOfLsn, walSegmentName } from './wal-segment.js';

/** One line of a history file: timeline `parent` ended at `switchLsn`, where the next one began. */
export interface TimelineSwitch {
  parent: number;
  switchLsn: string;
  reason: string;
}

/** The history of each timeline that has a `.history` file: its ancestors, oldest first. */
export type TimelineHistories = ReadonlyMap<number, readonly TimelineSwitch[]>;

/** What recovery is asked to follow: recovery_target_timeline's three forms. */
export type TargetTimeline = { kind: 'latest' } | { kind: 'current' } | { kind: 'number'; timeline: number };

/** PostgreSQL's default since version 12, and ours: the newest timeline the archive has a history for. */
export const DEFAULT_TARGET_TIMELINE: TargetTimeline = { kind: 'latest' };

/** A `<TLI>.history` file name. */
export function historyFileName(timeline: number): string {
  return `${timeline.toString(16).toUpperCase().padStart(8, '0')}.history`;
}

/**
 * The lines of a history file ("1\t0/5000000\tno recovery target specified"; comments and blank lines are
 * skipped, as PostgreSQL's readTimeLineHistory does). Throws on a line it cannot read: a history file that does
 * not parse must not pass for one without ancestors.
 */
export function parseTimelineHistory(text: string): TimelineSwitch[] {
  const out: TimelineSwitch[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\d+)\s+([0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8})(?:\s+(.*))?$/.exec(line);
    if (!m) throw new Error(`not a timeline history line: ${JSON.stringify(line)}`);
    out.push({ parent: Number(m[1]), switchLsn: m[2]!.toUpperCase(), reason: m[3] ?? '' });
  }
  return out;
}

export function describeTargetTimeline(target: TargetTimeline): string {
  return target.kind === 'number' ? String(target.timeline) : target.kind;
}

export type ResolvedTimeline = { timeline: number; problem: null; note: string } | { timeline: null; problem: string };

/**
 * The timeline recovery ends on. `latest` is what PostgreSQL's findNewestTimeLine finds: starting from the
 * backup's timeline, the next timeline as long as its history file is there (one missing stops the search).
 * Refused: WAL of a newer timeline whose history file is missing (PostgreSQL would silently stay behind it).
 */
export function resolveTargetTimeline(target: TargetTimeline, backupTimeline: number, archive: Pick<ArchiveSummary, 'timelines' | 'histories'>): ResolvedTimeline {
  if (target.kind === 'current') return { timeline: backupTimeline, problem: null, note: "the backup's own timeline (current)" };
  if (target.kind === 'number') return { timeline: target.timeline, problem: null, note: `timeline ${target.timeline}, as asked` };
  let newest = backupTimeline;
  while (archive.histories.includes(newest + 1)) newest++;
  const beyond = [...new Set([...archive.timelines, ...archive.histories])].filter((t) => t > newest).sort((a, b) => a - b);
  if (beyond.length > 0) {
    return {
      timeline: null,
      problem: `the archive holds timeline ${beyond.join(', ')}, but not ${historyFileName(newest + 1)}: recovery to the latest timeline would silently stay on timeline ${newest}; put the history file back into the archive, or name the timeline with --target-timeline ${newest}`,
    };
  }
  return { timeline: newest, problem: null, note: newest === backupTimeline ? `latest: timeline ${newest}, the backup's own (the archive has no newer one)` : `latest: timeline ${newest}` };
}

/** The segments recovery reads from one timeline: fromSegno to toSegno (null: on to the end, the target timeline). */
export interface TimelineLeg {
  timeline: number;
  fromSegno: bigint;
  toSegno: bigint | null;
  /** Where this timeline was left for the next (null on the target timeline). */
  switchLsn: string | null;
}

export type RecoveryPath = { legs: TimelineLeg[]; problem: null } | { legs: null; problem: string };

/**
 * The timelines recovery from a backup (its timeline and stop LSN) replays to reach `target`, and from which
 * segment on each: PostgreSQL reads segment N from the newest timeline on the path that began at or before N
 * (XLogFileReadAnyTLI), so a timeline's part ends the segment before the one holding its switch point.
 */
export function recoveryPath(histories: TimelineHistories, backup: { timeline: number; stopLsn: string }, target: number, segmentSize = DEFAULT_WAL_SEGMENT_SIZE): RecoveryPath {
  const stopSeg = segnoOfLsn(backup.stopLsn, segmentSize);
  if (target === backup.timeline) return { legs: [{ timeline: target, fromSegno: stopSeg, toSegno: null, switchLsn: null }], problem: null };
  if (target < backup.timeline) return { legs: null, problem: `timeline ${target} is older than the backup's timeline ${backup.timeline}: recovery only moves forward in timelines` };
  const history = histories.get(target);
  if (!history) return { legs: null, problem: `the archive has no ${historyFileName(target)}: where timeline ${target} branched off is unknown, so recovery cannot follow it` };
  const from = history.findIndex((h) => h.parent === backup.timeline);
  const lineage = history.map((h) => `${h.parent} until ${h.switchLsn}`).join(', ');
  if (from < 0) return { legs: null, problem: `timeline ${target} does not descend from the backup's timeline ${backup.timeline} (its history: ${lineage || 'none'}): choose a backup taken on its line, or another --target-timeline` };
  const branch = history[from]!;
  if (parseLsn(backup.stopLsn) > parseLsn(branch.switchLsn)) {
    return { legs: null, problem: `the backup ends at ${backup.stopLsn} on timeline ${backup.timeline}, after timeline ${history[from + 1]?.parent ?? target} branched off it at ${branch.switchLsn}: it cannot reach timeline ${target}; choose an older backup or another --target-timeline` };
  }
  const legs: TimelineLeg[] = [];
  let segno = stopSeg;
  for (let i = from; i < history.length; i++) {
    const h = history[i]!;
    const switchSeg = segnoOfLsn(h.switchLsn, segmentSize);
    legs.push({ timeline: h.parent, fromSegno: segno, toSegno: switchSeg - 1n, switchLsn: h.switchLsn });
    if (switchSeg > segno) segno = switchSeg;
  }
  legs.push({ timeline: target, fromSegno: segno, toSegno: null, switchLsn: null });
  return { legs, problem: null };
}

/** The gapless part of a recovery path in the archive, in segment numbers (they only grow along a path). */
export interface PathRange {
  /** The target timeline (the path's last). */
  timeline: number;
  /** The first segment asked for (the backup's stop segment). */
  from: bigint;
  /** The last segment of the gapless run along the path; null when the first one is missing. */
  to: bigint | null;
  /** The run reached the target timeline (every earlier timeline's part is complete). */
  onTarget: boolean;
  /** When the last file of the run was written. */
  latestMtimeMs: number | null;
  /** The segments missing along the path, in order (at most 100): the first is where recovery stops. */
  missing: string[];
  /** The newest segment of the target timeline, gap or not. */
  newest: bigint | null;
}

export function pathRange(summary: ArchiveSummary, legs: readonly TimelineLeg[], segmentSize = DEFAULT_WAL_SEGMENT_SIZE): PathRange {
  const missing: string[] = [];
  let to: bigint | null = null;
  let latest: number | null = null;
  let broken = false;
  for (const leg of legs.slice(0, -1)) {
    const segs = summary.segments.get(leg.timeline);
    // An earlier timeline: every segment up to its switch is needed, complete (a .partial is its unfinished end).
    for (let s = leg.fromSegno; s <= leg.toSegno! && missing.length < 100; s++) {
      const seg = segs?.get(s);
      if (!seg || seg.file.partial) {
        broken = true;
        missing.push(walSegmentName(leg.timeline, s, segmentSize));
      } else if (!broken) {
        to = s;
        latest = Math.max(latest ?? 0, seg.mtimeMs);
      }
    }
  }
  const leg = legs.at(-1)!;
  const segs = summary.segments.get(leg.timeline) ?? new Map<bigint, never>();
  let newest: bigint | null = null;
  for (const n of segs.keys()) if (newest === null || n > newest) newest = n;
  const result = (onTarget: boolean): PathRange => ({ timeline: leg.timeline, from: legs[0]!.fromSegno, to, onTarget, latestMtimeMs: latest, missing, newest });
  if (broken) return result(false);
  let runEnd: bigint | null = null;
  for (let s = leg.fromSegno; segs.has(s); s++) {
    runEnd = s;
    latest = Math.max(latest ?? 0, segs.get(s)!.mtimeMs);
    // A partial segment is the last one being written: nothing after it belongs to the run.
    if (segs.get(s)!.file.partial) break;
  }
  if (runEnd === null) missing.push(walSegmentName(leg.timeline, leg.fromSegno, segmentSize));
  // The holes after the run, up to the newest segment of the target timeline.
  if (newest !== null) for (let n = (runEnd ?? leg.fromSegno) + 1n; n < newest && missing.length < 100; n++) if (!segs.has(n)) missing.push(walSegmentName(leg.timeline, n, segmentSize));
  if (runEnd !== null) to = runEnd;
  return result(runEnd !== null);
}
