// WAL file names and LSN arithmetic, as PostgreSQL defines them (src/include/access/xlog_internal.h): a segment
// is named TTTTTTTTXXXXXXXXYYYYYYYY (timeline, then the segment number split into a "log id" and a segment within
// it, 8 hex digits each). The physical methods share this: the WAL archive's layout, its gaps and retention, and
// the recovery window are all reasoned about in segment numbers. Pure.

/** PostgreSQL's default wal_segment_size; a cluster may use another power of two between 1 MiB and 1 GiB. */
export const DEFAULT_WAL_SEGMENT_SIZE = 16 * 1024 * 1024;

export type WalCompression = 'gz' | 'lz4' | 'zst';

export type WalFile =
  | { kind: 'segment'; name: string; timeline: number; segno: bigint; compression: WalCompression | null; partial: boolean }
  | { kind: 'history'; name: string; timeline: number }
  | { kind: 'backup-label'; name: string; timeline: number; segno: bigint };

const SEGMENT = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})(\.partial)?(?:\.(gz|lz4|zst))?$/;
const SEGMENT_PARTIAL_AFTER = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})(?:\.(gz|lz4|zst))?\.partial$/;
const HISTORY = /^([0-9A-F]{8})\.history$/;
const BACKUP_LABEL = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})\.[0-9A-F]{8}\.backup$/;

function segmentsPerLogId(segmentSize: number): bigint {
  return 0x1_0000_0000n / BigInt(segmentSize);
}

/**
 * What a file in a WAL archive is, or null for anything else (temp files, stray names). pg_receivewal writes
 * `<seg>.partial` and, compressed, `<seg>.gz.partial` (PostgreSQL 15+) or `<seg>.partial.gz` elsewhere: both parse.
 */
export function parseWalFileName(name: string, segmentSize = DEFAULT_WAL_SEGMENT_SIZE): WalFile | null {
  const history = HISTORY.exec(name);
  if (history) return { kind: 'history', name, timeline: parseInt(history[1]!, 16) };
  const label = BACKUP_LABEL.exec(name);
  if (label) return { kind: 'backup-label', name, timeline: parseInt(label[1]!, 16), segno: segnoOf(label[2]!, label[3]!, segmentSize) };
  const after = SEGMENT_PARTIAL_AFTER.exec(name);
  if (after) {
    return { kind: 'segment', name, timeline: parseInt(after[1]!, 16), segno: segnoOf(after[2]!, after[3]!, segmentSize), compression: (after[4] as WalCompression | undefined) ?? null, partial: true };
  }
  const seg = SEGMENT.exec(name);
  if (!seg) return null;
  return {
    kind: 'segment', name, timeline: parseInt(seg[1]!, 16), segno: segnoOf(seg[2]!, seg[3]!, segmentSize),
    compression: (seg[5] as WalCompression | undefined) ?? null, partial: seg[4] !== undefined,
  };
}

function segnoOf(logId: string, segInLog: string, segmentSize: number): bigint {
  return BigInt(parseInt(logId, 16)) * segmentsPerLogId(segmentSize) + BigInt(parseInt(segInLog, 16));
}

/** The plain segment name (no suffix) of a timeline's segment number. */
export function walSegmentName(timeline: number, segno: bigint, segmentSize = DEFAULT_WAL_SEGMENT_SIZE): string {
  const per = segmentsPerLogId(segmentSize);
  return hex8(BigInt(timeline)) + hex8(segno / per) + hex8(segno % per);
}

function hex8(n: bigint): string {
  return n.toString(16).toUpperCase().padStart(8, '0');
}

/** An LSN as PostgreSQL prints it ("16/B374D848") to a byte position. Throws on anything else. */
export function parseLsn(lsn: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn);
  if (!m) throw new Error(`not an LSN: ${JSON.stringify(lsn)} (expected e.g. 16/B374D848)`);
  return (BigInt(parseInt(m[1]!, 16)) << 32n) + BigInt(parseInt(m[2]!, 16));
}

export function formatLsn(position: bigint): string {
  return `${(position >> 32n).toString(16).toUpperCase()}/${(position & 0xffff_ffffn).toString(16).toUpperCase()}`;
}

/** The segment holding an LSN (XLByteToSeg). */
export function segnoOfLsn(lsn: string | bigint, segmentSize = DEFAULT_WAL_SEGMENT_SIZE): bigint {
  return (typeof lsn === 'bigint' ? lsn : parseLsn(lsn)) / BigInt(segmentSize);
}

/**
 * The segment numbers missing between the first and the last of `present` (one timeline), in order, at most
 * `limit` of them: a gap in an archive makes every point after it unreachable by recovery.
 */
export function missingSegments(present: Iterable<bigint>, limit = 100): bigint[] {
  const sorted = [...new Set(present)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const missing: bigint[] = [];
  for (let i = 1; i < sorted.length && missing.length < limit; i++) {
    for (let s = sorted[i - 1]! + 1n; s < sorted[i]! && missing.length < limit; s++) missing.push(s);
  }
  return missing;
}

/**
 * The WAL segment size pg_controldata prints for a data directory ("Bytes per WAL segment:  1048576"); set by
 * initdb --wal-segsize, a power of two from 1 MiB to 1 GiB. null when the output has no such line.
 */
export function walSegmentSizeOfControlData(output: string): number | null {
  const m = /^Bytes per WAL segment:\s+(\d+)\s*$/m.exec(output);
  if (!m) return null;
  const size = Number(m[1]);
  return size >= 1024 * 1024 && size <= 1024 * 1024 * 1024 && (size & (size - 1)) === 0 ? size : null;
}
