// What `pg_waldump -r Transaction` says about one WAL file (run by src/methods/basebackup/archive-head.ts): the
// newest commit or abort record in it, with its timestamp, and where the valid WAL ends. Pure.
//
// Why these records: recovery_target_time is checked only at commit and abort records (PostgreSQL stops before
// the first one later than the target), so the newest of them is the latest instant a restore can reach
// (docs/restore.md, "The restorable window"). pg_waldump prints the timestamps in its TZ, which its caller
// sets to UTC. Its last line, when the file ends before the segment does (a .partial), is an error naming the
// position of the first record it could not read: the end of the valid WAL.
import { formatLsn, parseLsn } from './wal-segment.js';

export interface WaldumpFindings {
  /** The newest commit or abort record: its LSN and its time (ISO 8601, UTC, microseconds as recorded). */
  lastTransaction: { lsn: string; time: string } | null;
  /** Where the valid WAL ends, when pg_waldump stopped at an invalid record (a .partial segment); else null. */
  validEndLsn: string | null;
}

const RECORD = /\blsn: ([0-9A-F]+\/[0-9A-F]+), prev [0-9A-F]+\/[0-9A-F]+, desc: (?:COMMIT|ABORT)(?:_PREPARED)? (?:\d+: )?(?:gid [^;]*?: )?(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?) UTC\b/;
/** "error in WAL record at 0/2000200: invalid record length at 0/2000238: wanted 24, got 0" */
const END = /error in WAL record at ([0-9A-F]+\/[0-9A-F]+): (.*)$/m;
/** A file with no whole record yet (a .partial just started): the valid WAL ends where it starts. */
const NO_RECORD = /could not find a valid record after ([0-9A-F]+\/[0-9A-F]+)/;

export function readWaldumpOutput(stdout: string, stderr: string): WaldumpFindings {
  let lastTransaction: WaldumpFindings['lastTransaction'] = null;
  for (const line of stdout.split('\n')) {
    const m = RECORD.exec(line);
    if (m) lastTransaction = { lsn: formatLsn(parseLsn(m[1]!)), time: `${m[2]}T${m[3]}Z` };
  }
  const end = END.exec(stderr);
  let validEndLsn: string | null = null;
  if (end) {
    // The reason usually names the position it failed at; if not, the valid WAL ends after the last record read.
    const at = / at ([0-9A-F]+\/[0-9A-F]+)/.exec(end[2]!)?.[1];
    validEndLsn = formatLsn(parseLsn(at ?? end[1]!));
  } else {
    const none = NO_RECORD.exec(stderr)?.[1];
    if (none) validEndLsn = formatLsn(parseLsn(none));
  }
  return { lastTransaction, validEndLsn };
}
