// Running a program (PostgreSQL's tools and server binaries, `id`) with an argv array, never through a shell,
// and reporting how it ended instead of throwing.
//
// Why not execa: loading it costs about a quarter of a second (some hundred and seventy modules), which a
// cron job's `pgbackops run` pays on every start, and the run path needs only this: spawn, collect stderr
// (and stdout when asked), an optional timeout.
import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface ProgramOptions {
  /** The complete environment of the program (default: this process's). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this user and group (see spawnAs). */
  uid?: number;
  gid?: number;
  /** Stop the program with killSignal after this long; the result says timedOut. */
  timeoutMs?: number;
  killSignal?: NodeJS.Signals;
  /** 'ignore' for programs that write their output to a file (a dump with --file): nothing to collect. */
  stdout?: 'pipe' | 'ignore';
  /** Stop the program (SIGTERM, SIGKILL after a grace period) when this is aborted; the result says aborted. */
  abort?: AbortSignal;
  /**
   * Have the kernel send the program SIGTERM when this process dies, even by SIGKILL, which no handler sees:
   * started through util-linux `setpriv --pdeathsig` when it is on PATH (else the caller's sweep of leftovers
   * is the only remedy). For programs that must not outlive the job that started them (a dump holding a
   * snapshot on the node).
   */
  dieWithParent?: boolean;
  /** Told the program's pid once it is started (a supervisor reports which process it watches). */
  onSpawn?: (pid: number) => void;
}

export interface ProgramResult {
  /** null when the program was killed by a signal or could not be started. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Collected output, without its final newline. */
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The program was stopped because options.abort was aborted. */
  aborted: boolean;
  /** Why it could not be started (ENOENT, EACCES...). */
  spawnError: Error | null;
}

/** Runs `file` with `args` to completion. Never rejects: the result says how it ended. */
export function runProgram(file: string, args: readonly string[], options: ProgramOptions = {}): Promise<ProgramResult> {
  return new Promise((resolve) => {
    const [program, argv] = options.dieWithParent ? dyingWithParent(file, args) : [file, args];
    const child = spawn(program, argv, {
      env: options.env ?? process.env,
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
      ...(options.uid !== undefined ? { uid: options.uid } : {}),
      ...(options.gid !== undefined ? { gid: options.gid } : {}),
      stdio: ['ignore', options.stdout ?? 'pipe', 'pipe'],
    });
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));

    let timedOut = false;
    const timer = options.timeoutMs === undefined
      ? null
      : setTimeout(() => {
          timedOut = true;
          child.kill(options.killSignal ?? 'SIGTERM');
        }, options.timeoutMs);
    let aborted = false;
    let killTimer: NodeJS.Timeout | null = null;
    const onAbort = (): void => {
      aborted = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), ABORT_GRACE_MS);
    };
    if (options.abort?.aborted) onAbort();
    else options.abort?.addEventListener('abort', onAbort, { once: true });
    let spawnError: Error | null = null;
    child.on('error', (err) => {
      // Not started at all (no 'close' follows for some errors), or a kill that failed: report, never throw.
      spawnError ??= err;
      if (child.pid === undefined) finish(null, null);
    });
    // 'close', not 'exit': the output streams are complete only then.
    child.on('close', (code, signal) => finish(code, signal));

    let finished = false;
    function finish(exitCode: number | null, signal: NodeJS.Signals | null): void {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      options.abort?.removeEventListener('abort', onAbort);
      resolve({ exitCode, signal, stdout: text(stdout), stderr: text(stderr), timedOut, aborted, spawnError });
    }
  });
}

/** How long an aborted program gets to exit on SIGTERM (pg_dump cancels its queries) before SIGKILL. */
const ABORT_GRACE_MS = 10_000;

/**
 * The program and argv that run `file` with `args` so that the kernel sends it SIGTERM when this process dies,
 * even by SIGKILL (see ProgramOptions.dieWithParent): through setpriv when there is one, else unchanged.
 * For callers that spawn through another API (execa, with stdin streaming).
 */
export function dyingWithParent(file: string, args: readonly string[]): [string, string[]] {
  const deathSignal = setprivWithDeathSignal();
  return deathSignal ? [deathSignal, ['--pdeathsig', 'TERM', '--', file, ...args]] : [file, [...args]];
}

let setpriv: string | null | undefined;

/**
 * util-linux's setpriv when it is on PATH and knows --pdeathsig (2.33 and later; the option's name is in its
 * option table), else null. Looked up once per process, without starting a process: the run path pays for
 * every program it starts.
 */
function setprivWithDeathSignal(): string | null {
  if (setpriv !== undefined) return setpriv;
  setpriv = null;
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'setpriv');
    try {
      accessSync(candidate, constants.X_OK);
      if (readFileSync(candidate).includes('pdeathsig')) setpriv = candidate;
      break;
    } catch {
      /* not here */
    }
  }
  return setpriv;
}

function text(chunks: Buffer[]): string {
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
