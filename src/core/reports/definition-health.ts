// Health of one backup definition, for `pgbackops status`, the daemon's /status and alerts. Pure: runs and
// the time are passed in.
//
// Healthy     its last expected run (the last time its cron expression fired, in its timezone) happened
//             and the latest finished run succeeded.
// Failing     the latest finished run failed (or was abandoned by a dead process).
// Late        a run was due and none started since (after a grace period for cron's start delay).
// Never run   no run is recorded at all (and none was due yet, or it is new).
// Unscheduled the definition is disabled or its node is stopped: nothing is expected of it.
import { fireTimes } from '../cron/fire-times.js';
import { isoTimestamp } from '../time/iso-timestamp.js';
import type { HealthState } from './health-state.js';

export type { HealthState };

/** A health state as JSON documents carry it: an identifier a script can compare (docs/cli.md, "JSON output"). */
export type HealthStateId = 'healthy' | 'late' | 'failing' | 'never_run' | 'unscheduled';

export function healthStateId(state: HealthState): HealthStateId {
  return state.toLowerCase().replace(' ', '_') as HealthStateId;
}

export interface HealthDefinition {
  name: string;
  /** Five cron fields, H resolved. */
  schedule: string;
  timezone: string;
  scheduled: boolean;
}

/** What the catalog knows about a definition's runs (all epoch milliseconds, null when none). */
export interface RunSummary {
  lastStartedAt: number | null;
  /** Status of the run that started last: running, succeeded, failed, skipped, abandoned, expiring. */
  lastStatus: string | null;
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  /** Status of the latest run that finished with a verdict (succeeded or failed/abandoned). */
  lastVerdict: 'succeeded' | 'failed' | null;
}

export interface DefinitionHealth {
  name: string;
  state: HealthState;
  /** When the schedule last fired (ISO), null if never within a year. */
  lastExpectedRun: string | null;
  reason: string;
}

/** One run as summariseRuns reads it. */
export interface HealthRun {
  status: string;
  startedAt: number;
  finishedAt: number | null;
}

/** A run may start this long after its cron minute and still count as that run. */
export const START_GRACE_MS = 5 * 60_000;

export function definitionHealth(def: HealthDefinition, runs: RunSummary | undefined, now: number): DefinitionHealth {
  const lastExpected = lastExpectedRun(def.schedule, def.timezone, now);
  const iso = lastExpected === null ? null : isoOfFiring(lastExpected);
  // Object literals of one shape, not spreads of a shared base: check-status builds 10,000 of these per run.
  const health = (state: HealthState, reason: string): DefinitionHealth => ({ name: def.name, lastExpectedRun: iso, state, reason });
  if (!def.scheduled) return health('Unscheduled', 'disabled, or its node is stopped');
  if (!runs || runs.lastStartedAt === null) {
    return health('Never run', lastExpected === null ? 'no run due yet' : `no run recorded; one was due at ${iso}`);
  }
  if (runs.lastVerdict === 'failed') return health('Failing', 'the latest finished run failed');
  const before = lateStartBefore(lastExpected, now);
  if (before !== null && runs.lastStartedAt < before) {
    return health('Late', `the run due at ${iso} has not started`);
  }
  if (runs.lastVerdict === 'succeeded') return health('Healthy', 'the last expected run happened and succeeded');
  return health('Never run', 'no run has finished yet');
}

/**
 * The instant a scheduled definition's latest run must have started at or after, or it is Late (when it has
 * runs and its latest verdict is not a failure); null while no firing is past its start grace. The one rule
 * definitionHealth and the catalog's status listing (status-listing.ts, which ranks 100,000 definitions in SQL
 * from one such instant per distinct schedule) both apply.
 */
export function lateStartBefore(lastExpected: number | null, now: number): number | null {
  return lastExpected !== null && now - lastExpected > START_GRACE_MS ? lastExpected - START_GRACE_MS : null;
}

// Thousands of definitions share a few hundred firing instants: their text is written once each.
const MAX_REMEMBERED_ISO = 10_000;
const isoOfFirings = new Map<number, string>();

function isoOfFiring(epochMs: number): string {
  let iso = isoOfFirings.get(epochMs);
  if (iso === undefined) {
    iso = isoTimestamp(epochMs);
    if (isoOfFirings.size >= MAX_REMEMBERED_ISO) isoOfFirings.clear();
    isoOfFirings.set(epochMs, iso);
  }
  return iso;
}

/**
 * An instant after `now` before which definitionHealth answers the same for the same runs: the end of the
 * current minute, or earlier the end of the last firing's start grace (when Late may begin). Not the next
 * firing: around a daylight-saving gap the last firing croner reports can be a time no earlier instant gave
 * as its next one (fire-times.ts), while every answer holds for the minute it was asked in. The daemon's
 * /status remembers each definition's health until then, or until its runs change.
 */
export function healthChangesAt(def: HealthDefinition, now: number): number {
  const minuteEnds = (Math.floor(now / 60_000) + 1) * 60_000;
  const last = fireTimes(def.schedule, def.timezone, now).last;
  // The Late test is `now - last > START_GRACE_MS`: it first holds one millisecond after the grace.
  const graceEnds = last === null ? Infinity : last + START_GRACE_MS + 1;
  return graceEnds > now ? Math.min(minuteEnds, graceEnds) : minuteEnds;
}

/**
 * The RunSummary of a definition's runs (any order), counted the way the daemon's grouped query does:
 * succeeded and expiring runs are successes, failed and abandoned ones failures, by finish time.
 */
export function summariseRuns(runs: readonly HealthRun[]): RunSummary {
  const summary: RunSummary = { lastStartedAt: null, lastStatus: null, lastSuccessAt: null, lastFailureAt: null, lastVerdict: null };
  let verdictAt = -Infinity;
  for (const r of runs) {
    if (summary.lastStartedAt === null || r.startedAt > summary.lastStartedAt) {
      summary.lastStartedAt = r.startedAt;
      summary.lastStatus = r.status;
    }
    if (r.finishedAt === null) continue;
    const success = r.status === 'succeeded' || r.status === 'expiring';
    const failure = r.status === 'failed' || r.status === 'abandoned';
    if (success && (summary.lastSuccessAt === null || r.finishedAt > summary.lastSuccessAt)) summary.lastSuccessAt = r.finishedAt;
    if (failure && (summary.lastFailureAt === null || r.finishedAt > summary.lastFailureAt)) summary.lastFailureAt = r.finishedAt;
    if ((success || failure) && r.finishedAt > verdictAt) {
      verdictAt = r.finishedAt;
      summary.lastVerdict = success ? 'succeeded' : 'failed';
    }
  }
  return summary;
}

/**
 * The last time at or before `now` the cron expression fired in `timezone`, or null within a year. Asked for
 * every definition on every report: fire-times.ts answers from integer arithmetic, remembered per schedule.
 */
export function lastExpectedRun(schedule: string, timezone: string, now: number): number | null {
  return fireTimes(schedule, timezone, now).last;
}

/** The next time after `now` the cron expression fires in `timezone` (null: never). */
export function nextExpectedRun(schedule: string, timezone: string, now: number): number | null {
  return fireTimes(schedule, timezone, now).next;
}
