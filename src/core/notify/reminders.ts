// Reminders while a state stays bad: the n-th reminder of an episode is due `n * remindEvery` after it
// turned bad. Numbering them makes each one a key of its own, so a reminder is sent once however many
// processes evaluate, and a pass that was not run for a while sends only the latest one. Pure.
import { parseDuration } from '../time/duration.js';

/** The number of the latest reminder due at `now` (0: none yet), or null when reminders are off. */
export function reminderDue(remindEvery: string, badSince: number, now: number): number | null {
  if (remindEvery === 'off') return null;
  const every = parseDuration(remindEvery);
  // An interval needs a fixed length: a month counts as 30 days here.
  if (!every) return null;
  const ms = every.milliseconds + every.months * 30 * 86_400_000;
  return Math.max(0, Math.floor((now - badSince) / ms));
}
