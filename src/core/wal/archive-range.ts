// What a node's WAL archive can recover, from the names of its files: per timeline, the segments present,
// whether they run without a gap from a backup's start, and the newest one. Pure: the archive is read by
// src/methods/basebackup/wal-archive.ts, and restore and `check` decide from this.
import { DEFAULT_WAL_SEGMENT_SIZE, missingSegments, parseWalFileName, walSegmentName, type WalFile } from './wal-segment.js';

export interface ArchiveEntry {
  name: string;
  /** Modification time, milliseconds since the epoch: when the file was complete in the archive. */
  mtimeMs: number;
}

export interface ArchiveSummary {
  /** Timelines with at least one segment, ascending. */
  timelines: number[];
  /** Timelines with a history file (their switch points are known). */
  histories: number[];
  /** The segments of each timeline (complete ones and a partial one), by number. */
  segments: Map<number, Map<bigint, { file: Extract<WalFile, { kind: 'segment' }>; mtimeMs: number }>>;
}

export function summariseArchive(entries: readonly ArchiveEntry[], segmentSize = DEFAULT_WAL_SEGMENT_SIZE): ArchiveSummary {
  const segments: ArchiveSummary['segments'] = new Map();
  const histories = new Set<number>();
  for (const entry of entries) {
    const file = parseWalFileName(entry.name, segmentSize);
    if (!file) continue;
    if (file.kind === 'history') histories.add(file.timeline);
    if (file.kind !== 'segment') continue;
    let timeline = segments.get(file.timeline);
    if (!timeline) segments.set(file.timeline, (timeline = new Map()));
    // A complete segment wins over a partial one of the same number.
    const known = timeline.get(file.segno);
    if (!known || (known.file.partial && !file.partial)) timeline.set(file.segno, { file, mtimeMs: entry.mtimeMs });
  }
  return {
    timelines: [...segments.keys()].sort((a, b) => a - b),
    histories: [...histories].sort((a, b) => a - b),
    segments,
  };
}

export interface ContinuousRange {
  timeline: number;
  /** The first segment asked for. */
  from: bigint;
  /** The last segment of the gapless run starting at `from`; null when `from` itself is missing. */
  to: bigint | null;
  /** When the last file of the run was written: nothing committed after it can be in the run. */
  latestMtimeMs: number | null;
  /** Segment names missing after the run, up to the newest segment of the timeline (a gap; at most 100). */
  missingAfter: string[];
  /** The newest segment of the timeline, gap or not. */
  newest: bigint | null;
}

/** The gapless run of segments of `timeline` from `from` on, and what is missing after it. */
export function continuousRange(summary: ArchiveSummary, timeline: number, from: bigint, segmentSize = DEFAULT_WAL_SEGMENT_SIZE): ContinuousRange {
  const segs = summary.segments.get(timeline) ?? new Map();
  let to: bigint | null = null;
  let latest: number | null = null;
  for (let s = from; segs.has(s); s++) {
    to = s;
    latest = Math.max(latest ?? 0, segs.get(s)!.mtimeMs);
    // A partial segment is the last one being written: nothing after it belongs to the run.
    if (segs.get(s)!.file.partial) break;
  }
  let newest: bigint | null = null;
  for (const s of segs.keys()) if (newest === null || s > newest) newest = s;
  const after = [...segs.keys()].filter((s) => s >= from);
  const gapFrom = to === null ? from - 1n : to;
  const missing = newest !== null && newest > gapFrom
    ? missingSegments([gapFrom, ...after.filter((s) => s > gapFrom)]).map((s) => walSegmentName(timeline, s, segmentSize))
    : [];
  return { timeline, from, to, latestMtimeMs: latest, missingAfter: missing, newest };
}
