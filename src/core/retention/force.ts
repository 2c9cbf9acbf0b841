// `prune --force` for a definition removed from the configuration (PgBackMan's force deletion): every run
// expires at once, whatever retention it was taken with, except one still running (its job owns it).
import { newestFirst, STATUS_CODE, type RunColumns } from './run-columns.js';
import { Verdict, type RetentionSelection } from './verdicts.js';

export function selectForcedRemoval(runs: RunColumns): RetentionSelection {
  const verdicts = new Uint8Array(runs.count);
  let expiring = 0;
  for (let i = 0; i < runs.count; i++) {
    const running = runs.status[i] === STATUS_CODE.running;
    verdicts[i] = running ? Verdict.KeptRunning : Verdict.ExpiredForced;
    if (!running) expiring++;
  }
  // No calendar rule applies, so the timezone is never used.
  return { runs, order: newestFirst(runs), verdicts, keptBy: new Uint8Array(runs.count), policy: null, timeZone: 'UTC', expiring };
}
