// When a one-off job (Snapshot, Restore) is due, and whether it started too late to run at all.
import type { OneOffTiming } from '../model.js';
import { addDuration, parseDuration } from '../time/duration.js';
import { parseInstant } from '../time/instant.js';

/** The instant the job becomes due: its `at`, or when it was first applied. */
export function dueAt(spec: OneOffTiming, createdAt: Date): number {
  return (spec.at === undefined ? null : parseInstant(spec.at)) ?? createdAt.getTime();
}

/**
 * Why a job claimed at `claimedAt` must not start (its startingDeadline passed), or null when it may.
 * The deadline counts from `at` (or from the first apply when there is no `at`).
 */
export function missedDeadline(spec: OneOffTiming, createdAt: Date, claimedAt: Date): string | null {
  if (spec.startingDeadline === undefined) return null;
  const deadline = parseDuration(spec.startingDeadline);
  if (!deadline) return null; // validation refuses it; nothing to enforce
  const due = dueAt(spec, createdAt);
  // `at` is an instant with no zone of its own: a deadline's months are counted in UTC.
  const latest = addDuration(due, deadline, 'UTC');
  if (claimedAt.getTime() <= latest) return null;
  return `not started: it was due at ${new Date(due).toISOString()} and its startingDeadline (${spec.startingDeadline}) passed at ${new Date(latest).toISOString()}; picked up at ${claimedAt.toISOString()}`;
}
