// Retention selection: which backups of one definition+database to keep and which expire. Pure; the clock
// is passed in. Why each one is kept or expires is recorded as codes (verdicts.ts) and put into words only
// for the decisions that are shown (explain.ts).
//
// Semantics (documented in docs/retention.md):
// - Only successful backups count and can be kept by a rule. Runs that are running, skipped or abandoned
//   are never touched here; failed runs (they hold only a log) expire once older than keepFailedFor, except
//   the one that freezes the group (below).
// - Rules overlap, as in restic up to 0.15 (0.16 also keeps the oldest backup when a count is not used up;
//   this does not): each rule looks at all successful backups on its own and a backup is kept if any rule
//   keeps it; one backup can satisfy the daily, weekly and monthly rule at once.
// - keepLast N: the N newest. keepWithin D: every backup taken within D before the NEWEST successful
//   backup (not before "now": if backups stop, nothing ages out), the boundary included; months in the
//   definition's timezone, a day 24 hours. keepDaily/Weekly/Monthly/Yearly N: the
//   newest backup of each of the last N days/ISO weeks/months/years that have a backup, in the
//   definition's timezone (so DST days are calendar days).
// - Safety: the newest successful backup is always kept; if the newest finished run (succeeded, failed or
//   abandoned; skipped and running runs have no outcome) did not succeed, nothing expires until a newer
//   success exists; with no successful backup at all, nothing expires. The freeze is read from the runs
//   themselves, so the failed run that causes it is kept past keepFailedFor for as long as it is the newest
//   finished run: expiring its row would lift the freeze on a later pass with no new run, and a pass must
//   decide the same when nothing new happened. (Abandoned runs are never removed by retention.)
// - Snapshots (a policy with expireAfter, recorded from a Snapshot's keepFor) are the exception by design:
//   each backup expires expireAfter after it was taken, the newest included; the other rules do not apply.
import type { RetentionSpec } from '../model.js';
import { parseDuration, subtractDuration } from '../time/duration.js';
import { keepCalendarTiers } from './calendar-tiers.js';
import { newestFirst, STATUS_CODE, type RunColumns } from './run-columns.js';
import { isKept, KeptBy, markKept, Verdict, type RetentionSelection } from './verdicts.js';

export const DEFAULT_KEEP_FAILED_FOR = '14d';

const SUCCEEDED = STATUS_CODE.succeeded;
const FAILED = STATUS_CODE.failed;
const ABANDONED = STATUS_CODE.abandoned;
const EXPIRING = STATUS_CODE.expiring;

export function selectRetention(runs: RunColumns, policy: RetentionSpec, timeZone: string, now: number): RetentionSelection {
  if (policy.expireAfter !== undefined) return selectByAge(runs, policy, timeZone, now);
  const { count, startedAt, status } = runs;
  const order = newestFirst(runs);
  const keptBy = new Uint8Array(count);

  const successes = newestSuccesses(runs, order);
  if (successes.length > 0) {
    const newest = successes[0]!;
    markKept(keptBy, newest, KeptBy.newest);
    const keepLast = Math.min(policy.keepLast ?? 0, successes.length);
    for (let s = 0; s < keepLast; s++) markKept(keptBy, successes[s]!, KeptBy.keepLast);
    const within = policy.keepWithin ? parseDuration(policy.keepWithin) : null;
    if (within !== null) {
      const horizon = subtractDuration(startedAt[newest]!, within, timeZone);
      // Newest first: the first backup older than the horizon ends the rule.
      for (let s = 0; s < successes.length && startedAt[successes[s]!]! >= horizon; s++) markKept(keptBy, successes[s]!, KeptBy.keepWithin);
    }
    keepCalendarTiers(successes, startedAt, policy, timeZone, keptBy);
  }

  const freezing = latestFinishedUnsuccessful(runs, order);
  const frozen = freezing !== -1;
  const keepFailedFor = parseDuration(policy.keepFailedFor ?? DEFAULT_KEEP_FAILED_FOR);
  const failedHorizon = keepFailedFor ? subtractDuration(now, keepFailedFor, timeZone) : now;

  const verdicts = new Uint8Array(count);
  let expiring = 0;
  for (let i = 0; i < count; i++) {
    const verdict = verdictOf(status[i]!, keptBy[i]!, frozen, startedAt[i]! < failedHorizon, i === freezing);
    verdicts[i] = verdict;
    if (!isKept(verdict)) expiring++;
  }
  return { runs, order, verdicts, keptBy, policy, timeZone, expiring };
}

/** A snapshot's runs: successful backups expire at a fixed age; failed logs as usual. */
function selectByAge(runs: RunColumns, policy: RetentionSpec, timeZone: string, now: number): RetentionSelection {
  const { count, startedAt, status } = runs;
  const age = parseDuration(policy.expireAfter!);
  // An unreadable age (never written by pgbackops) keeps everything rather than guess.
  const horizon = age ? subtractDuration(now, age, timeZone) : -Infinity;
  const failedFor = parseDuration(policy.keepFailedFor ?? DEFAULT_KEEP_FAILED_FOR);
  const failedHorizon = failedFor ? subtractDuration(now, failedFor, timeZone) : now;
  const verdicts = new Uint8Array(count);
  let expiring = 0;
  for (let i = 0; i < count; i++) {
    const verdict = status[i] === SUCCEEDED
      ? (startedAt[i]! <= horizon ? Verdict.ExpiredSnapshotAge : Verdict.KeptSnapshotAge)
      : verdictOf(status[i]!, 0, false, startedAt[i]! < failedHorizon);
    verdicts[i] = verdict;
    if (!isKept(verdict)) expiring++;
  }
  return { runs, order: newestFirst(runs), verdicts, keptBy: new Uint8Array(count), policy, timeZone, expiring };
}

function verdictOf(status: number, keptBy: number, frozen: boolean, olderThanFailedHorizon: boolean, freezing = false): Verdict {
  switch (status) {
    case SUCCEEDED:
      return keptBy !== 0 ? Verdict.KeptByRules : frozen ? Verdict.KeptFrozen : Verdict.ExpiredNotKept;
    case FAILED:
      if (!olderThanFailedHorizon) return Verdict.KeptFailedLog;
      return freezing ? Verdict.KeptLatestFailure : Verdict.ExpiredFailedLog;
    case EXPIRING:
      return Verdict.ExpiredFinishing;
    default:
      return Verdict.KeptNotSubject;
  }
}

/** Run indices of the successful backups, newest first. */
function newestSuccesses(runs: RunColumns, order: Uint32Array): Uint32Array {
  let n = 0;
  for (let i = 0; i < runs.count; i++) if (runs.status[i] === SUCCEEDED) n++;
  const successes = new Uint32Array(n);
  let s = 0;
  for (let k = 0; k < order.length; k++) if (runs.status[order[k]!] === SUCCEEDED) successes[s++] = order[k]!;
  return successes;
}

/**
 * The run index of the newest finished run when it failed or was abandoned (then nothing expires), else -1.
 * Abandoned counts as unsuccessful as in the definition's health: the process taking it died.
 */
function latestFinishedUnsuccessful(runs: RunColumns, order: Uint32Array): number {
  for (let k = 0; k < order.length; k++) {
    const status = runs.status[order[k]!];
    if (status === SUCCEEDED) return -1;
    if (status === FAILED || status === ABANDONED) return order[k]!;
  }
  return -1;
}
