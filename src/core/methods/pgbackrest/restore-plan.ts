// A pgBackRest restore into a directory, planned without I/O: the refusals (the same as every directory
// restore: a non-empty directory, a target outside what the backup and the archive can reach, a timeline the
// archive cannot take recovery to) and the `pgbackrest restore` argv. docs/pgbackrest.md, "Restore and verify".
import type { DirectoryRestoreCheck, DirectoryRestorePlan, RecoveryTarget } from '../../restore/directory-restore.js';
import { DEFAULT_WAL_SEGMENT_SIZE, formatLsn, parseLsn, parseWalFileName } from '../../wal/wal-segment.js';
import type { ArchiveSummary } from '../../wal/archive-range.js';
import type { StanzaInfo } from './info.js';
import { checkTablespacePlacements, type TablespacePlacement } from '../../restore/tablespace-placements.js';
import { DEFAULT_TARGET_TIMELINE, describeTargetTimeline, recoveryPath, resolveTargetTimeline, type TargetTimeline, type TimelineHistories } from '../../wal/timeline-history.js';
import type { PgbackrestRunFacts } from './run-facts.js';

export interface PgbackrestRestoreInput {
  backup: { id: string; node: string; definition: string; facts: PgbackrestRunFacts };
  toDir: string;
  /** null: the directory does not exist; else how many entries it holds. */
  dirEntries: number | null;
  target: RecoveryTarget;
  /** The stanza as `info` sees it now, or null when info could not be read. */
  info: StanzaInfo | null;
  config: string;
  now: number;
  /** recovery_target_timeline asked for (--target-timeline); absent: pgBackRest's and PostgreSQL's default, latest. */
  timeline?: TargetTimeline;
  /** The backup's tablespaces (`info --set`) and where each is to go (--tablespace-map), with what is there now. */
  tablespaces?: TablespacePlacement[];
  /** --tablespace-map OLD locations that are no tablespace of the backup. */
  unknownTablespaceMappings?: string[];
  /** The source cluster's WAL segment size, from the backup's pg_control; null when it could not be read. */
  walSegmentSize: number | null;
  /**
   * The timelines in pgBackRest's archive (its segment directories and `.history` files) and those history
   * files read; null when the archive's directory could not be listed.
   */
  timelines: { archive: Pick<ArchiveSummary, 'timelines' | 'histories'>; histories: TimelineHistories; problems: string[] } | null;
}

export interface PgbackrestRestorePlan extends DirectoryRestorePlan {
  argv: string[];
}

export function planPgbackrestRestore(input: PgbackrestRestoreInput): PgbackrestRestorePlan {
  const { facts } = input.backup;
  const checks: DirectoryRestoreCheck[] = [];
  const refusals: string[] = [];
  const check = (what: string, ok: boolean, detail: string): void => {
    checks.push({ what, ok, detail });
    if (!ok) refusals.push(`${what}: ${detail}`);
  };

  check('target directory', input.dirEntries === null || input.dirEntries === 0,
    input.dirEntries === null ? `${input.toDir} does not exist: it will be created` : input.dirEntries === 0 ? `${input.toDir} is empty` : `${input.toDir} is not empty (${input.dirEntries} entries): a restore never writes over files`);
  const inRepo = input.info?.backups.find((b) => b.label === facts.label) ?? null;
  check('backup in the repository', facts.label !== null && inRepo !== null,
    facts.label === null ? 'the run recorded no pgBackRest label' : inRepo ? `${facts.label} (${inRepo.type}) is in stanza ${facts.stanza}` : input.info ? `${facts.label} is not in stanza ${facts.stanza} any more (expired?)` : 'pgbackrest info could not be read');
  const archived = input.info !== null && facts.walStart !== null && facts.walStop !== null && input.info.archiveMin !== null && input.info.archiveMax !== null
    && input.info.archiveMin.slice(8) <= facts.walStart.slice(8) && input.info.archiveMax.slice(8) >= facts.walStop.slice(8);
  check('WAL archive', archived, archived
    ? `holds ${input.info!.archiveMin}..${input.info!.archiveMax}, which covers the backup's ${facts.walStart}..${facts.walStop}`
    : `the archive (${input.info?.archiveMin ?? '?'}..${input.info?.archiveMax ?? '?'}) does not hold the backup's WAL ${facts.walStart ?? '?'}..${facts.walStop ?? '?'}`);

  checkTablespacePlacements(input.toDir, input.tablespaces ?? [], input.unknownTablespaceMappings ?? [], check);
  const timeline = checkTimeline(input, check);

  const from = facts.timestampStop === null ? null : new Date(facts.timestampStop * 1000).toISOString();
  const to = new Date(input.now).toISOString();
  if (input.target.kind === 'time') {
    const t = Date.parse(input.target.time);
    // PostgreSQL does not refuse a target before the backup is consistent: it would promote past it.
    const ok = from !== null && t >= facts.timestampStop! * 1000 && t <= input.now;
    check('recovery target', ok, ok
      ? `${input.target.time} is between the backup's end (${from}) and now`
      : `${input.target.time} is outside what this backup can reach (from its end, ${from ?? 'unknown'}, to now, ${to}): choose a later backup, an earlier time or another target`);
  }
  if (input.target.kind === 'lsn') checkLsnTarget(input.target.lsn, facts, input.info, input.walSegmentSize, check);
  if (input.target.kind === 'name') {
    // Where a restore point lies is written only in the WAL: nothing short of replaying it can tell.
    check('recovery target', true, `restore point ${JSON.stringify(input.target.name)}: where it lies cannot be known before recovery replays the WAL. `
      + `It must have been created after the backup's end (${from ?? facts.lsnStop ?? 'unknown'}) and archived (the archive ends with ${input.info?.archiveMax ?? '?'}); `
      + 'otherwise recovery ends without reaching it and the server does not promote (with --start the restore is then recorded as failed)');
  }

  const argv = [`--stanza=${facts.stanza}`, `--set=${facts.label ?? ''}`, `--pg1-path=${input.toDir}`, ...targetArgs(input.target),
    // The timeline the plan checked, as a number: `latest` would follow a history file archived after the checks.
    ...(timeline ? [`--target-timeline=${timeline.timeline}`] : []),
    // By OID: pgBackRest also takes a tablespace's name, which could hold an '='.
    ...(input.tablespaces ?? []).flatMap((t) => (t.to === null ? [] : [`--tablespace-map=${t.oid}=${t.to}`])),
    // The copy must never push WAL into the source's stanza.
    '--archive-mode=off'];
  const steps = [
    `pgbackrest --config=${input.config} ${argv.join(' ')} restore`,
  ];
  return {
    backupId: input.backup.id, method: 'pgbackrest', node: input.backup.node, definition: input.backup.definition,
    toDir: input.toDir, target: input.target, recoverableWindow: from === null ? null : { from, to }, checks, refusals, steps, argv,
    ...(timeline ? { timeline } : {}),
  };
}

/**
 * Which timeline recovery ends on and along which it gets there, decided as for a basebackup
 * (src/core/wal/timeline-history.ts) from the `.history` files in pgBackRest's archive: a timeline whose history
 * file is not there, one that does not descend from the backup's, or a backup that ends after the target
 * branched off is refused here rather than failing during recovery. The backup's end needs none: it is on
 * the backup's own timeline. null when no timeline is passed to pgBackRest.
 */
function checkTimeline(input: PgbackrestRestoreInput, check: (what: string, ok: boolean, detail: string) => void): DirectoryRestorePlan['timeline'] | null {
  const { facts } = input.backup;
  if (input.target.kind === 'end') {
    // pgBackRest takes --target-timeline only with a target (as the CLI and the Restore kind require).
    if (input.timeline) check('timeline', false, "a timeline needs a recovery target: the backup's end is on the backup's own timeline");
    return null;
  }
  const asked = input.timeline ?? DEFAULT_TARGET_TIMELINE;
  const backupTimeline = facts.walStart === null ? null : parseInt(facts.walStart.slice(0, 8), 16);
  if (backupTimeline === null || facts.lsnStop === null) {
    check('timeline', false, `the run recorded no WAL range for this backup, so its timeline is unknown: restore it to its end`);
    return null;
  }
  if (input.timelines === null) {
    check('timeline', false, `the timelines of the archive of stanza ${facts.stanza} could not be listed (pgbackrest info gave no archive id, or its directory cannot be read)`);
    return null;
  }
  if (input.timelines.problems.length > 0) {
    check('timeline', false, `the archive's timeline history cannot be read: ${input.timelines.problems.join('; ')}`);
    return null;
  }
  const resolved = resolveTargetTimeline(asked, backupTimeline, input.timelines.archive);
  if (resolved.problem !== null) {
    check('timeline', false, resolved.problem);
    return null;
  }
  const path = recoveryPath(input.timelines.histories, { timeline: backupTimeline, stopLsn: facts.lsnStop }, resolved.timeline, input.walSegmentSize ?? DEFAULT_WAL_SEGMENT_SIZE);
  if (path.problem !== null) {
    check('timeline', false, `${resolved.note}: ${path.problem}`);
    return null;
  }
  const legs = path.legs.length === 1 ? `stays on timeline ${backupTimeline}`
    : `follows ${path.legs.map((l) => (l.switchLsn ? `timeline ${l.timeline} until ${l.switchLsn}` : `timeline ${l.timeline}`)).join(', then ')}`;
  check('timeline', true, `${resolved.note}; recovery ${legs} (the .history files of stanza ${facts.stanza}'s archive)`);
  return { asked: describeTargetTimeline(asked), timeline: resolved.timeline, path: path.legs.map((l) => l.timeline) };
}

/**
 * An LSN target lies between the backup's stop LSN (recovery cannot stop before the backup is consistent) and
 * the end of the archive's last segment (WAL not archived yet cannot be replayed). Where a segment ends depends
 * on the cluster's segment size (initdb --wal-segsize), which `pgbackrest info` does not give: it is read from
 * the backup's pg_control; PostgreSQL's default (16 MiB) is assumed, and said, only when that could not be read.
 */
function checkLsnTarget(lsn: string, facts: PgbackrestRunFacts, info: StanzaInfo | null, segmentSize: number | null, check: (what: string, ok: boolean, detail: string) => void): void {
  let target: bigint;
  try {
    target = parseLsn(lsn);
  } catch (err) {
    check('recovery target', false, (err as Error).message);
    return;
  }
  if (facts.lsnStop === null) {
    check('recovery target', false, `lsn ${lsn}: the run recorded no stop LSN for this backup, so whether it can reach ${lsn} is unknown; choose --target-time or the backup's end`);
    return;
  }
  if (target < parseLsn(facts.lsnStop)) {
    check('recovery target', false, `lsn ${lsn} is before the end of this backup (${facts.lsnStop}): recovery cannot stop before the backup is consistent; choose an earlier backup or a later LSN`);
    return;
  }
  const size = segmentSize ?? DEFAULT_WAL_SEGMENT_SIZE;
  const last = info?.archiveMax ? parseWalFileName(info.archiveMax, size) : null;
  if (!last || last.kind !== 'segment') {
    check('recovery target', false, `lsn ${lsn}: the archive's end is not known (${info ? 'the archive is empty' : 'pgbackrest info could not be read'})`);
    return;
  }
  const archiveEnd = (last.segno + 1n) * BigInt(size);
  const sized = segmentSize === null ? `; ${size}-byte segments assumed: the backup's pg_control could not be read` : '';
  const ok = target < archiveEnd;
  check('recovery target', ok, ok
    ? `lsn ${lsn} is between the backup's end (${facts.lsnStop}) and the archive's end (${formatLsn(archiveEnd)}, segment ${info!.archiveMax}${sized})`
    : `lsn ${lsn} is after the archive's end (${formatLsn(archiveEnd)}, the end of segment ${info!.archiveMax}${sized}): that WAL is not archived yet; wait for the node to archive it (or run pg_switch_wal() there), or choose an earlier LSN`);
}

/** pgBackRest's recovery options for a target: promote at it (its default action, pause, never would). */
export function targetArgs(target: RecoveryTarget): string[] {
  switch (target.kind) {
    case 'end': return ['--type=immediate', '--target-action=promote'];
    case 'latest': return ['--type=default'];
    case 'time': return ['--type=time', `--target=${postgresTimestamp(target.time)}`, '--target-action=promote'];
    case 'lsn': return ['--type=lsn', `--target=${target.lsn}`, '--target-action=promote'];
    case 'name': return ['--type=name', `--target=${target.name}`, '--target-action=promote'];
  }
}

/**
 * An ISO 8601 instant as PostgreSQL's recovery_target_time reads it: pgBackRest passes the text through, and
 * PostgreSQL 15 refuses `2026-12-05T10:00:00.5Z` there ("invalid value for parameter"), while it reads
 * `2026-12-05 10:00:00.5+00`. The offset is kept: the instant must not depend on the restored server's zone.
 */
export function postgresTimestamp(iso: string): string {
  return iso.replace('T', ' ').replace(/Z$/, '+00');
}
