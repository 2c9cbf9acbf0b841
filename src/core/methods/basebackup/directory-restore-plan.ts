// Planning the restore of a base backup into a directory, recovered to a target (the contract is
// src/core/restore/directory-restore.ts): every check runs on facts gathered beforehand, and any refusal means
// nothing is done. Pure. PostgreSQL itself accepts targets it cannot honour (a time before the backup's end is
// passed at the consistency point; with a gap in the archive and no target it promotes short without a
// warning), so the refusals here are what keeps a restore from reaching another point than asked.
import type { DirectoryRestoreCheck, DirectoryRestorePlan, RecoveryTarget } from '../../restore/directory-restore.js';
import type { ArchiveSummary } from '../../wal/archive-range.js';
import { DEFAULT_TARGET_TIMELINE, describeTargetTimeline, pathRange, recoveryPath, resolveTargetTimeline, type PathRange, type TargetTimeline, type TimelineHistories, type TimelineLeg } from '../../wal/timeline-history.js';
import type { ArchiveHead } from '../../wal/restorable-window.js';
import { segnoOfLsn, parseLsn, walSegmentName } from '../../wal/wal-segment.js';
import type { BasebackupFacts } from './facts.js';
import { checkTablespacePlacements, type DirectoryState, type TablespacePlacement } from '../../restore/tablespace-placements.js';

export type { TablespacePlacement } from '../../restore/tablespace-placements.js';

export interface DirectoryRestoreFacts {
  backup: { id: string; node: string; definition: string; status: string; serverVersion: string | null; facts: BasebackupFacts | null };
  toDir: string;
  /** What is at toDir now. */
  toDirState: DirectoryState;
  /** The backup's files against their checksums: the problems found (empty: all good). */
  fileProblems: string[];
  /**
   * Files whose size was checked but whose sha256 is compared while they are extracted (the tars):
   * a mismatch then fails the restore before anything is started.
   */
  checksumsWhileExtracting?: string[];
  archiveDir: string;
  archive: ArchiveSummary;
  /** The archive's `.history` files, read (src/methods/basebackup/timeline-histories.ts). */
  histories?: TimelineHistories;
  /** History files that could not be read: recovery could not follow those timelines. */
  historyProblems?: string[];
  /** What recovery_target_timeline asks for (default: latest, as PostgreSQL). */
  targetTimeline?: TargetTimeline;
  /**
   * The archive's newest end read from its contents (src/methods/basebackup/archive-head.ts): the newest commit
   * recorded in it. Absent or unreadable: the files' modification times bound what a time target can reach.
   */
  head?: ArchiveHead | null;
  /**
   * The backup's tablespaces (its <OID>.tar files, their locations from its tablespace_map) and where each is
   * to be restored (--tablespace-map), with what is there now.
   */
  tablespaces?: TablespacePlacement[];
  /** --tablespace-map OLD locations that are no tablespace of the backup. */
  unknownTablespaceMappings?: string[];
  /** The pg_ctl found for the backup's major version, or why none. */
  pgCtl: { path: string; version: string; major: number } | { error: string };
  /** Who would own the restored cluster, when it is started: a refusal when it cannot be root. */
  start: { port: number; owner: string; ownerIsRoot: boolean } | null;
}

/** Milliseconds of an ISO instant. */
function ms(instant: string): number {
  return Date.parse(instant);
}

export function planDirectoryRestore(input: DirectoryRestoreFacts, target: RecoveryTarget): DirectoryRestorePlan {
  const checks: DirectoryRestoreCheck[] = [];
  const refusals: string[] = [];
  const check = (what: string, ok: boolean, detail: string) => {
    checks.push({ what, ok, detail });
    if (!ok) refusals.push(`${what}: ${detail}`);
  };
  const { backup } = input;
  const plan: DirectoryRestorePlan = {
    backupId: backup.id, method: 'basebackup', node: backup.node, definition: backup.definition, toDir: input.toDir, target,
    recoverableWindow: null, checks, refusals, steps: [],
  };

  check('backup', backup.status === 'succeeded' && backup.facts !== null,
    backup.status !== 'succeeded' ? `backup ${backup.id} is ${backup.status}: it holds no backup` : backup.facts === null ? 'the backup records no WAL range (method_facts): it cannot be recovered' : `succeeded; WAL ${backup.facts.startLsn} to ${backup.facts.stopLsn} on timeline ${backup.facts.timeline}`);
  const later = input.checksumsWhileExtracting ?? [];
  check('checksums', input.fileProblems.length === 0, input.fileProblems.length > 0 ? input.fileProblems.slice(0, 5).join('; ')
    : later.length > 0 ? `every file has its recorded size and the others their sha256; the sha256 of ${later.join(', ')} is compared as they are extracted, before anything starts`
    : 'every file matches its sha256');
  const dir = input.toDirState;
  check('target directory', dir.kind === 'empty-directory' || (dir.kind === 'absent' && dir.parentExists),
    dir.kind === 'empty-directory' ? `${input.toDir} is empty`
      : dir.kind === 'absent' ? (dir.parentExists ? `${input.toDir} will be created` : `the parent directory of ${input.toDir} does not exist`)
      : dir.kind === 'not-empty' ? `${input.toDir} is not empty (${dir.entries} entries): a restore never writes over files; give an empty or new directory`
      : `${input.toDir} exists and is not a directory`);
  const facts = backup.facts;
  const major = backup.serverVersion ? Number(backup.serverVersion.split('.')[0]) : null;
  if ('error' in input.pgCtl) {
    check('server binaries', false, input.pgCtl.error);
  } else {
    check('server binaries', major === null || input.pgCtl.major === major,
      major !== null && input.pgCtl.major !== major
        ? `the backup is of PostgreSQL ${backup.serverVersion}, but the server binaries here are ${input.pgCtl.version} (${input.pgCtl.path}): a physical backup starts only with its own major version; install PostgreSQL ${major} or set the backup server's pgBinDirs`
        : `${input.pgCtl.path} (${input.pgCtl.version})`);
  }
  checkTablespacePlacements(input.toDir, input.tablespaces ?? [], input.unknownTablespaceMappings ?? [], check);
  if (input.start) {
    check('start as', !input.start.ownerIsRoot, input.start.ownerIsRoot
      ? `${input.toDir} would belong to root, and PostgreSQL refuses to run as root: create it (or its parent directory) owned by the PostgreSQL OS user (chown postgres: DIR), then restore again`
      : `the restored cluster runs as ${input.start.owner}, the owner of ${input.toDir}, on port ${input.start.port}`);
  }
  if (facts) planRecovery(input, facts, target, plan, check);
  if (refusals.length === 0) plan.steps = steps(input, target, plan.timeline);
  return plan;
}

function planRecovery(input: DirectoryRestoreFacts, facts: BasebackupFacts, target: RecoveryTarget, plan: DirectoryRestorePlan, check: (what: string, ok: boolean, detail: string) => void): void {
  const size = facts.walSegmentSize;
  const endOnly = () => {
    plan.recoverableWindow ??= { from: facts.endTime, to: facts.endTime };
    check('recovery target', true, `the backup's end (${facts.stopLsn}, consistent from about ${facts.endTime}); no archived WAL needed`);
  };
  // Which timeline recovery ends on, and along which timelines it gets there (docs/restore.md, "Timelines").
  // The backup's end needs none: it is on the backup's own timeline (recovery_target_timeline = current).
  const resolved = resolveTargetTimeline(input.targetTimeline ?? DEFAULT_TARGET_TIMELINE, facts.timeline, input.archive);
  if (target.kind === 'end' && (resolved.problem !== null || (input.historyProblems ?? []).length > 0 || recoveryPath(input.histories ?? new Map(), facts, resolved.timeline, size).problem !== null)) return endOnly();
  if (resolved.problem !== null || (input.historyProblems ?? []).length > 0) {
    check('timeline', false, resolved.problem ?? `the archive's timeline history cannot be read: ${input.historyProblems!.join('; ')}`);
    return;
  }
  const path = recoveryPath(input.histories ?? new Map(), facts, resolved.timeline, size);
  if (path.problem !== null) {
    check('timeline', false, `${resolved.note}: ${path.problem}`);
    return;
  }
  const isEnd = target.kind === 'end';
  if (!isEnd) plan.timeline = { asked: describeTargetTimeline(input.targetTimeline ?? DEFAULT_TARGET_TIMELINE), timeline: resolved.timeline, path: path.legs.map((l) => l.timeline) };
  // The backup holds its WAL up to its stop LSN (pg_wal.tar); going further needs the archive from the
  // segment holding the stop LSN on, complete (the backup's own copy of that segment ends at the stop LSN).
  const firstLeg = path.legs[0]!;
  const backupTimelineNeeded = firstLeg.toSegno === null || firstLeg.toSegno >= firstLeg.fromSegno;
  if (backupTimelineNeeded && !input.archive.timelines.includes(facts.timeline)) {
    if (isEnd) return endOnly();
    check('timeline', false, `the backup is on timeline ${facts.timeline}, and the archive ${input.archiveDir} has no WAL of it (it has: ${input.archive.timelines.join(', ') || 'nothing'}): check the node's archive_command or WAL receiver`);
    return;
  }
  const legs = path.legs.length === 1
    ? `stays on timeline ${facts.timeline}`
    : `follows ${path.legs.map((l) => (l.switchLsn ? `timeline ${l.timeline} until ${l.switchLsn}` : `timeline ${l.timeline}`)).join(', then ')}`;
  if (!isEnd) check('timeline', true, `${resolved.note}; recovery ${legs} (the archive ${input.archiveDir})`);
  const range = pathRange(input.archive, path.legs, size);
  const fileTime = range.latestMtimeMs === null ? null : new Date(range.latestMtimeMs).toISOString();
  const commit = lastCommitReachable(input.head ?? null, facts, range);
  // The newest commit in the archive is the latest instant a time target can reach (recovery stops only at a
  // commit later than the target); without the contents, the newest file's modification time bounds it.
  const latest = commit.known ? commit.time : fileTime;
  plan.recoverableWindow = { from: facts.endTime, to: latest !== null && latest > facts.endTime ? latest : facts.endTime };
  const gapNames = range.missing;
  const gap = gapNames.length > 0 ? `the archive is missing ${gapNames.slice(0, 5).join(', ')}${gapNames.length > 5 ? ` and ${gapNames.length - 5} more` : ''}` : null;
  const reach = latest === null ? `nothing after the backup's end` : `WAL up to ${latest}`;
  switch (target.kind) {
    case 'end':
      return endOnly();
    case 'latest':
      // With a gap and no target PostgreSQL would promote at the gap without a warning.
      check('archive', gap === null, gap === null ? `gapless from ${facts.stopWal} to the newest segment (${reach})` : `${gap}: recovery would stop there silently, short of the latest point; put the segments back or choose an earlier target`);
      break;
    case 'time': {
      const t = ms(target.time);
      if (t < ms(facts.endTime)) {
        check('recovery target', false, `${target.time} is before the end of backup ${input.backup.id} (${facts.endTime}): PostgreSQL would recover past it to the backup's end; choose an earlier backup or a later time`);
        return;
      }
      if (commit.known && (commit.time === null || t >= ms(commit.time))) {
        check('archive', false, commit.time === null
          ? `nothing was committed after the backup's end in the archived WAL: a time target is never reached (recovery stops only at a later commit); restore to the backup's end or --latest`
          : `${target.time} is not before the archive's newest commit (${commit.time}): recovery stops only at a commit later than the target, and none is archived; choose an earlier time or --latest`);
        return;
      }
      if (latest === null || t > ms(latest)) {
        check('archive', false, gap !== null
          ? `${gap}, so recovery cannot get past ${latest ?? facts.endTime} to ${target.time}`
          : `${target.time} is after the archive's latest point (${reach}): nothing archived shows a commit after it; choose an earlier time or --latest`);
        return;
      }
      check('archive', true, `gapless from ${facts.stopWal} through ${reach}${gap ? ` (after that, ${gap})` : ''}`);
      check('recovery target', true, `time ${target.time}, within ${facts.endTime} … ${latest}`);
      break;
    }
    case 'lsn': {
      const lsn = parseLsn(target.lsn);
      if (lsn < parseLsn(facts.stopLsn)) {
        check('recovery target', false, `${target.lsn} is before the end of backup ${input.backup.id} (${facts.stopLsn}): choose an earlier backup or a later LSN`);
        return;
      }
      const needed = segnoOfLsn(lsn, size);
      const neededName = walSegmentName(timelineOfSegment(path.legs, needed), needed, size);
      const ok = range.to !== null && range.to >= needed;
      check('archive', ok, ok ? `gapless from ${facts.stopWal} through ${neededName}` : `${gap ?? 'the archive ends before it'}: the segment holding ${target.lsn} (${neededName}) cannot be reached`);
      break;
    }
    case 'name':
      check('archive', gap === null, gap === null ? `gapless from ${facts.stopWal} (${reach}); a restore point of that name must lie in it, else recovery fails without promoting` : `${gap}: a restore point after it cannot be reached`);
      break;
  }
}

/** The timeline a segment number is read from along a recovery path. */
function timelineOfSegment(legs: readonly TimelineLeg[], segno: bigint): number {
  return legs.find((l) => l.toSegno === null || segno <= l.toSegno)!.timeline;
}

/**
 * The newest commit recovery from this backup can replay, when the archive's contents say it: known only when
 * they were read on the timeline recovery ends on and the gapless run from the backup reaches the newest segment. time
 * null: nothing committed after the backup's end (looked back far enough to see it).
 */
function lastCommitReachable(head: ArchiveHead | null, facts: BasebackupFacts, range: PathRange): { known: false } | { known: true; time: string | null } {
  if (head === null || head.unreadable !== null || head.timeline !== range.timeline || !range.onTarget || range.to === null || range.to < head.newestSegno) return { known: false };
  const tx = head.lastTransaction;
  if (tx !== null) return { known: true, time: parseLsn(tx.lsn) > parseLsn(facts.stopLsn) ? tx.time : null };
  return head.readFromSegno <= segnoOfLsn(facts.stopLsn, facts.walSegmentSize) ? { known: true, time: null } : { known: false };
}

function steps(input: DirectoryRestoreFacts, target: RecoveryTarget, timeline: DirectoryRestorePlan['timeline']): string[] {
  const out = [
    `${input.toDirState.kind === 'absent' ? 'create' : 'use'} ${input.toDir} (mode 0700)`,
    'extract base.tar into it and pg_wal.tar into its pg_wal/',
    ...(input.tablespaces ?? []).map((t) => `extract ${t.source} into ${t.to} (mode 0700) and write it into tablespace_map, whose links PostgreSQL makes in pg_tblspc/ when it starts`),
    `write the recovery settings into postgresql.auto.conf: restore_command = pgbackops wal-fetch from ${input.archiveDir}, ${target.kind === 'end' ? "recovery_target = 'immediate'" : target.kind === 'latest' ? 'no target (replay everything archived)' : `recovery_target_${target.kind} = '${target.kind === 'time' ? target.time : target.kind === 'lsn' ? target.lsn : target.name}'`}, recovery_target_action = promote, recovery_target_timeline = ${timeline ? `${timeline.timeline}${timeline.path.length > 1 ? ` (through timelines ${timeline.path.join(', ')})` : ''}` : 'current'}; archive_mode = off (the copy never archives into the source's archive)`,
    'create recovery.signal',
  ];
  if (input.start) {
    out.push(`start it as ${input.start.owner} with pg_ctl on port ${input.start.port} (unix socket in ${input.toDir}) and wait until recovery has promoted it`);
  } else {
    out.push(`leave it stopped: start it with pg_ctl -D ${input.toDir} start (set port first if the source's port is taken)`);
  }
  return out;
}
