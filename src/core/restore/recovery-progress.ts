// How far a restored cluster's recovery has got, read from the server's log while it runs (the restore never
// connects to it: docs/restore.md, "Physical backups"), for the progress line of `restore --start`
// (docs/cli.md#progress). The log says where redo started, each WAL segment fetched by restore_command
// ("restored log file ... from archive": replay has reached about that segment's start; recovery reads
// ahead of replay by at most its decoding buffer) and where redo ended; the WAL replayed is measured from the backup's start LSN, against the target's LSN when it has one
// (a target LSN, or the backup's end). Pure.
import { formatLsn, parseLsn, parseWalFileName } from '../wal/wal-segment.js';

export interface RecoveryProgress {
  /** The furthest WAL position the log shows replay has reached, as PostgreSQL prints it; null before redo starts. */
  reached: string | null;
  /** Bytes of WAL from `from` to `reached` (null until reached), and from `from` to the target (null: a time or name target). */
  bytes: number | null;
  total: number | null;
}

export function recoveryProgress(log: string, from: string | null, target: string | null, segmentSize: number): RecoveryProgress {
  const start = isLsn(from) ? parseLsn(from) : null;
  const end = isLsn(target) ? parseLsn(target) : null;
  let reached: bigint | null = null;
  const further = (position: bigint) => {
    if (reached === null || position > reached) reached = position;
  };
  for (const m of log.matchAll(/redo starts at ([0-9A-F]+\/[0-9A-F]+)/g)) further(parseLsn(m[1]!));
  for (const m of log.matchAll(/restored log file "([0-9A-F]{24})" from archive/g)) {
    const segment = parseWalFileName(m[1]!, segmentSize);
    if (segment?.kind === 'segment') further(segment.segno * BigInt(segmentSize));
  }
  // Recovery reads ahead of replay (PostgreSQL 15's WAL prefetching) and may fetch a segment past a target it
  // then stops at: a fetched segment is never taken for a point beyond the target. Where redo ended is exact.
  if (reached !== null && end !== null && reached > end) reached = end;
  const done = /redo done at ([0-9A-F]+\/[0-9A-F]+)/.exec(log);
  if (done) reached = parseLsn(done[1]!);
  const since = (position: bigint | null) => (position === null || start === null ? null : Number(position > start ? position - start : 0n));
  return { reached: reached === null ? null : formatLsn(reached), bytes: since(reached), total: end === null ? null : since(end) };
}

function isLsn(text: string | null): text is string {
  return text !== null && /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/.test(text);
}
