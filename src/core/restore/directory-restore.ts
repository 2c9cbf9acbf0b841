// What a restore of a whole cluster into a directory is asked to do and what it decided: the contract of the
// physical methods (basebackup with its WAL archive, pgbackrest), whose backups are a cluster's files, restored
// on the machine running `pgbackops restore --to-dir` and recovered to a point in time. The logical method
// restores into a node instead (restore-plan.ts). docs/restore.md, "Physical backups", describes the rules.

import type { TargetTimeline } from '../wal/timeline-history.js';

/** What recovery replays the WAL up to. */
export type RecoveryTarget =
  /** The backup's own end: the earliest consistent point, no WAL beyond what the backup needs. */
  | { kind: 'end' }
  /** Everything the archive has. */
  | { kind: 'latest' }
  /** An instant, ISO 8601 with an offset; recovery stops before the first commit after it. */
  | { kind: 'time'; time: string }
  | { kind: 'lsn'; lsn: string }
  /** A restore point made with pg_create_restore_point(). */
  | { kind: 'name'; name: string };

export interface DirectoryRestoreOptions {
  /** Absolute path; must not exist or be empty. */
  toDir: string;
  target: RecoveryTarget;
  /**
   * recovery_target_timeline: which timeline recovery ends on (absent: latest, PostgreSQL's default; pgBackRest: --target-timeline).
   * A backup's end is always on its own timeline.
   */
  timeline?: TargetTimeline;
  /** Where each tablespace goes, by its location in the backup (--tablespace-map OLD=NEW; pgBackRest gets --tablespace-map=OID=NEW). */
  tablespaceMap?: ReadonlyArray<{ from: string; to: string }>;
  /**
   * Every tablespace that tablespaceMap does not place into <this>/<OID> (--tablespace-map-all DIR, a Restore's
   * tablespaceMapAll; verify --restore's temporary directory).
   */
  tablespacesUnder?: string;
  /** Start the restored cluster on this port (as the PostgreSQL OS user) and wait until recovery reaches the target. */
  start?: { port: number };
}

export interface DirectoryRestoreCheck {
  what: string;
  ok: boolean;
  detail: string;
}

export interface DirectoryRestorePlan {
  backupId: string;
  method: string;
  node: string;
  definition: string;
  toDir: string;
  target: RecoveryTarget;
  /** The instants a restore from this backup can reach with the archive as it is; null when not known. */
  recoverableWindow: { from: string; to: string } | null;
  /** The timeline recovery ends on (as asked, as resolved) and the timelines it replays, oldest first; absent for the backup's end. */
  timeline?: { asked: string; timeline: number; path: number[] };
  checks: DirectoryRestoreCheck[];
  /** Why the restore cannot go ahead; empty when it can. Any refusal means nothing is done. */
  refusals: string[];
  /** What will be done, in order, in words an operator can follow by hand. */
  steps: string[];
}

/** How a directory restore ended, besides its RestoreRecord. */
export interface DirectoryRestoreResult {
  /** The point recovery reached, when the cluster was started and reported it. */
  reached: { lsn: string | null; time: string | null } | null;
  /** The cluster left running (--start), or null. */
  started: { port: number; dataDirectory: string } | null;
  /** From the start of the restore until the cluster accepted connections at the target (--start only). */
  recoveryTimeMs: number | null;
}

/** A Restore's recovery target fields (validated: at most one, document-rules.ts), as the target. */
export function recoveryTargetOfSpec(fields: { targetTime?: string; targetLsn?: string; targetName?: string; latest?: boolean }): RecoveryTarget {
  if (fields.targetTime !== undefined) return { kind: 'time', time: fields.targetTime };
  if (fields.targetLsn !== undefined) return { kind: 'lsn', lsn: fields.targetLsn.toUpperCase() };
  if (fields.targetName !== undefined) return { kind: 'name', name: fields.targetName };
  return fields.latest ? { kind: 'latest' } : { kind: 'end' };
}

/** The recovery target as the catalog and the log show it ("time 2026-12-05T10:00:00Z"). */
export function describeRecoveryTarget(target: RecoveryTarget): string {
  switch (target.kind) {
    case 'end': return 'end';
    case 'latest': return 'latest';
    case 'time': return `time ${target.time}`;
    case 'lsn': return `lsn ${target.lsn}`;
    case 'name': return `name ${target.name}`;
  }
}

/** The trial's recovery target as its outcome says it, with the point reached when the server reported one. */
export function describeReached(reached: { lsn: string | null; time: string | null } | null, target: RecoveryTarget): string {
  const asked = target.kind === 'end' ? "the backup's end" : `target ${describeRecoveryTarget(target)}`;
  const point = [reached?.lsn ? `LSN ${reached.lsn}` : null, reached?.time ? `last commit ${reached.time}` : null].filter((p) => p !== null);
  return point.length > 0 ? `${asked} (${point.join(', ')})` : asked;
}
