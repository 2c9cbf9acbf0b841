// Which files of a node's WAL archive retention may remove (docs/operations.md, "WAL retention"): the segments
// no kept base backup needs. A base backup restores from its start segment on, so every complete segment
// before the oldest kept backup's start segment can go. Never the `.partial` being written, never a
// `.history` file (recovery reads them to follow timelines, and they are tiny), never a name this archive
// does not know. When any kept base backup lacks the facts to place it (a run recorded without a start
// segment), nothing is removed: keeping too much costs disk, removing too much loses a restore. Segment
// numbers are counted in the node's own WAL segment size, as its runs recorded it: a cluster initialised with
// --wal-segsize 64 names its segments in 64 MiB steps, and counting them in 16 MiB ones would place the oldest
// kept start four times too far and remove WAL the kept backups need. Pure.
import { parseLsn, parseWalFileName, segnoOfLsn, walSegmentName, DEFAULT_WAL_SEGMENT_SIZE } from './wal-segment.js';

/** What a kept base backup's run recorded (backup_runs.method_facts), as far as retention reads it. */
export interface KeptBaseBackup {
  runId: string;
  facts: Record<string, unknown> | null;
}

export interface WalRetentionChoice {
  /** Archive file names to remove, oldest first. */
  remove: string[];
  /** The first segment kept (the oldest kept backup's start segment), or null when nothing is removed for want of one. */
  keepFrom: string | null;
  /** Why nothing (or what) is removed, in words. */
  note: string;
}

/**
 * The start segment of a base backup, from its facts: `startWal` (the name the basebackup method records), else
 * `startLsn` on `timeline`, in `segmentSize` (the node's, which the run records as `walSegmentSize`).
 */
export function startSegmentOf(facts: Record<string, unknown> | null, segmentSize = DEFAULT_WAL_SEGMENT_SIZE): { timeline: number; segno: bigint } | null {
  if (!facts) return null;
  if (typeof facts.startWal === 'string') {
    const parsed = parseWalFileName(facts.startWal, segmentSize);
    if (parsed?.kind === 'segment') return { timeline: parsed.timeline, segno: parsed.segno };
  }
  if (typeof facts.startLsn === 'string' && typeof facts.timeline === 'number') {
    try {
      parseLsn(facts.startLsn);
    } catch {
      return null;
    }
    return { timeline: facts.timeline, segno: segnoOfLsn(facts.startLsn, segmentSize) };
  }
  return null;
}

/**
 * The WAL segment size the kept backups recorded (`walSegmentSize`), `fallback` when none did; null when two
 * disagree (the archive then holds WAL of two different clusters, and no boundary is safe).
 */
export function recordedSegmentSize(kept: readonly KeptBaseBackup[], fallback: number): number | null {
  let size: number | null = null;
  for (const backup of kept) {
    const recorded = backup.facts?.walSegmentSize;
    if (typeof recorded !== 'number') continue;
    if (size !== null && size !== recorded) return null;
    size = recorded;
  }
  return size ?? fallback;
}

export function selectWalToRemove(
  archiveFiles: readonly string[],
  kept: readonly KeptBaseBackup[],
  fallbackSegmentSize = DEFAULT_WAL_SEGMENT_SIZE,
): WalRetentionChoice {
  if (kept.length === 0) return { remove: [], keepFrom: null, note: 'no kept base backup of this node: every WAL file is kept' };
  const segmentSize = recordedSegmentSize(kept, fallbackSegmentSize);
  if (segmentSize === null) {
    return { remove: [], keepFrom: null, note: 'the kept base backups of this node recorded different WAL segment sizes: every WAL file is kept' };
  }
  let oldest: { timeline: number; segno: bigint } | null = null;
  for (const backup of kept) {
    const start = startSegmentOf(backup.facts, segmentSize);
    if (!start) {
      return {
        remove: [], keepFrom: null,
        note: `kept base backup ${backup.runId} has no start segment (startWal, or startLsn and timeline) in its facts: every WAL file is kept`,
      };
    }
    if (!oldest || start.segno < oldest.segno) oldest = start;
  }
  const boundary = oldest!;
  const remove: { name: string; segno: bigint }[] = [];
  for (const name of archiveFiles) {
    const file = parseWalFileName(name, segmentSize);
    // Segments of any timeline before the boundary: a later timeline branches after its parent's segments, so
    // nothing before the oldest kept start is on a path any kept backup recovers along.
    if (file?.kind === 'segment' && !file.partial && file.segno < boundary.segno) remove.push({ name, segno: file.segno });
  }
  remove.sort((a, b) => (a.segno < b.segno ? -1 : a.segno > b.segno ? 1 : a.name < b.name ? -1 : 1));
  const keepFrom = walSegmentName(boundary.timeline, boundary.segno, segmentSize);
  return {
    remove: remove.map((r) => r.name),
    keepFrom,
    note: `kept from ${keepFrom}, the start segment of the oldest kept base backup`,
  };
}
