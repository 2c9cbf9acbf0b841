// What a base backup records besides the shared columns (backup_runs.method_facts): where in the WAL it
// starts and ends, on which timeline, of which cluster, and how it was taken. Restore decides from these
// which WAL it needs and which targets it can reach; `show` prints them.

import type { ManifestChecksums } from '../../model.js';

export interface BasebackupFacts {
  /** The backup's WAL range (backup_manifest's WAL-Ranges): recovery needs every segment from start to stop. */
  startLsn: string;
  stopLsn: string;
  timeline: number;
  /** The segments holding startLsn and stopLsn, named as in the archive. */
  startWal: string;
  stopWal: string;
  /** pg_control's system identifier, as a string (it exceeds JavaScript's exact integers). */
  systemIdentifier: string;
  walSegmentSize: number;
  /**
   * The node's clock just before pg_basebackup started and just after it ended. A recovery target time earlier
   * than endTime may lie before the backup's consistency point, which PostgreSQL would silently pass.
   */
  startTime: string;
  endTime: string;
  pgBasebackupVersion: string;
  compression: { method: string; level?: number };
  checkpoint: string;
  /** Bytes of the data directory's tar(s) and of pg_wal.tar, as written (compressed). */
  baseBytes: number;
  walBytes: number;
  durationMs: number;
  /** How backup_manifest was checked after the run (see verify-manifest.ts). */
  manifestCheck: string;
  /** The checksum backup_manifest carries for every file (--manifest-checksums); absent in runs before it was a choice (SHA256). */
  manifestChecksums?: ManifestChecksums;
}

/** The facts of a recorded run, or null when it has none (a failed run, or one recorded by another version). */
export function basebackupFactsOf(methodFacts: unknown): BasebackupFacts | null {
  if (methodFacts === null || typeof methodFacts !== 'object') return null;
  const f = methodFacts as Partial<BasebackupFacts>;
  return typeof f.startLsn === 'string' && typeof f.stopLsn === 'string' && typeof f.timeline === 'number' ? (f as BasebackupFacts) : null;
}
