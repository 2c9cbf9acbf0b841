// Running the pgbackrest binary: always with `--config=<the server's file>` (never /etc/pgbackrest.conf), as the
// backup server's job user (pgBackRest runs as the PostgreSQL OS user, which owns the repository, its locks
// and logs: docs/pgbackrest.md), with an argument array, English messages, and the run's marker so the sweep
// of a killed run finds it.
import { runProgram, type ProgramOptions, type ProgramResult } from '../../adapters/os/run-program.js';
import { classifyFailure, type ClassifiedFailure } from '../../core/dump/classify-failure.js';

export interface PgbackrestInvocation {
  /** The server's pgBackRest configuration file. */
  config: string;
  /** Run as this user (when this process is root and the job user is not). */
  as?: { uid: number; gid: number } | undefined;
  /** Extra environment (the run marker). */
  env?: Record<string, string>;
  abort?: AbortSignal;
  timeoutMs?: number;
  dieWithParent?: boolean;
  /** Where its standard output goes: collected by default; a file descriptor for binary output (repo-get). */
  stdout?: number;
}

export const PGBACKREST_BINARY = 'pgbackrest';

/** `operands` follow the command (repo-get's file): options go before it. */
export function runPgbackrest(command: string, args: readonly string[], how: PgbackrestInvocation, operands: readonly string[] = []): Promise<ProgramResult> {
  const options: ProgramOptions = {
    env: { PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin', LC_ALL: 'C', LANG: 'C', ...(how.env ?? {}) },
    ...(how.as ? { uid: how.as.uid, gid: how.as.gid } : {}),
    ...(how.abort ? { abort: how.abort } : {}),
    ...(how.timeoutMs ? { timeoutMs: how.timeoutMs, killSignal: 'SIGTERM' as const } : {}),
    ...(how.dieWithParent ? { dieWithParent: true } : {}),
    ...(how.stdout !== undefined ? { stdout: how.stdout } : {}),
    // pgBackRest wants a working directory it can read (it is run as another user than this process's).
    cwd: '/',
  };
  return runProgram(PGBACKREST_BINARY, [`--config=${how.config}`, ...args, command, ...operands], options);
}

/** The argv as logged (nothing secret is ever on it: pgBackRest reads credentials from its own files). */
export function pgbackrestArgv(command: string, args: readonly string[], config: string): string {
  return [PGBACKREST_BINARY, `--config=${config}`, ...args, command].join(' ');
}

/** Why a pgbackrest command failed: the classification every run uses, over pgBackRest's ERROR lines. */
export function pgbackrestFailure(result: ProgramResult): ClassifiedFailure {
  if (result.spawnError) {
    return { reason: 'job-error', detail: `${PGBACKREST_BINARY}: ${result.spawnError.message} (install pgBackRest: apt-get install pgbackrest)` };
  }
  const failure = classifyFailure({ exitCode: result.exitCode, signal: result.signal, stderr: result.stderr, timedOut: result.timedOut });
  // classifyFailure speaks of "the dump"; a pgBackRest failure with no recognised cause names its ERROR line.
  if (failure.reason === 'dump-error') {
    const line = result.stderr.split('\n').find((l) => /ERROR:/.test(l))?.trim();
    return { reason: 'dump-error', detail: line ?? `pgbackrest exited with code ${result.exitCode} and no message` };
  }
  return failure;
}

export function succeeded(result: ProgramResult): boolean {
  return result.exitCode === 0 && !result.timedOut && result.signal === null && !result.spawnError;
}
