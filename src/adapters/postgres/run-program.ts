// Running a program (PostgreSQL's tools and server binaries, `id`) with an argv array, never through a shell,
// and reporting how it ended instead of throwing.
//
// Why not execa: loading it costs about a quarter of a second (some hundred and seventy modules), which a
// cron job's `pgbackops run` pays on every start, and the run path needs only this: spawn, collect stderr
// (and stdout when asked), an optional timeout.
import { spawn } from 'node:child_process';

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
}

export interface ProgramResult {
  /** null when the program was killed by a signal or could not be started. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Collected output, without its final newline. */
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Why it could not be started (ENOENT, EACCES...). */
  spawnError: Error | null;
}

/** Runs `file` with `args` to completion. Never rejects: the result says how it ended. */
export function runProgram(file: string, args: readonly string[], options: ProgramOptions = {}): Promise<ProgramResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      env: options.env ?? process.env,
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
      ...(options.uid !== undefined ? { uid: options.uid } : {}),
      ...(options.gid !== undefined ? { gid: options.gid } : {}),
      stdio: ['ignore', options.stdout ?? 'pipe', 'pipe'],
    });
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
      resolve({ exitCode, signal, stdout: text(stdout), stderr: text(stderr), timedOut, spawnError });
    }
  });
}

function text(chunks: Buffer[]): string {
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
