// When the next interval pass runs: the poll interval with jitter (so a fleet of daemons started together
// does not hit the catalog and the git server in step), or, after failures, an exponential backoff that
// starts at one second and never exceeds the interval. Pure: the random draw is passed in.

/** Share of the interval by which a poll may move either way. */
export const POLL_JITTER = 0.1;
const FIRST_RETRY_MS = 1000;

export function nextPollDelayMs(intervalMs: number, consecutiveFailures: number, random: number): number {
  const base = consecutiveFailures > 0 ? Math.min(intervalMs, FIRST_RETRY_MS * 2 ** (consecutiveFailures - 1)) : intervalMs;
  const jittered = base * (1 + POLL_JITTER * (2 * random - 1));
  return Math.max(1, Math.round(Math.min(jittered, consecutiveFailures > 0 ? intervalMs : jittered)));
}
