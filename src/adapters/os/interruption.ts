// The signals that ask a job to stop: SIGTERM (systemd, the daemon's shutdown, `kill`), SIGINT (Ctrl-C) and
// SIGHUP (the terminal went away). A job traps them so that it can stop the programs it started and record
// how it ended before it exits; Node's default would end the process at once, leaving its pg_dump running and
// its run `running`. A second signal means "now": exit at once (programs started with a parent-death
// signal die with this process, the rest are stopped by the next sweep of the run's leftovers).
import { constants } from 'node:os';

export interface Interruption {
  /** Aborted, with the signal's name as reason, when the first signal arrives. */
  readonly signal: AbortSignal;
  /** The exit code that says which signal stopped the job (128 + its number), or null while none did. */
  exitCode(): number | null;
  /** Restores Node's default handling. */
  dispose(): void;
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

export function trapInterruptions(): Interruption {
  const controller = new AbortController();
  let received: NodeJS.Signals | null = null;
  const codeOf = (signal: NodeJS.Signals): number => 128 + (constants.signals[signal] ?? 0);
  const onSignal = (signal: NodeJS.Signals): void => {
    if (received !== null) process.exit(codeOf(signal));
    received = signal;
    controller.abort(signal);
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  return {
    signal: controller.signal,
    exitCode: () => (received === null ? null : codeOf(received)),
    dispose: () => {
      for (const s of SIGNALS) process.off(s, onSignal);
    },
  };
}
