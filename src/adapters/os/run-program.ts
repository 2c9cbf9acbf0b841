// Running a program (PostgreSQL's tools and server binaries, `id`) with an argv array, never through a shell,
// and reporting how it ended instead of throwing.
//
// Why not execa: loading it costs about a quarter of a second (some hundred and seventy modules), which a
// cron job's `pgbackops run` pays on every start, and the run path needs only this: spawn, collect stderr
// (and stdout when asked), an optional timeout.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { executableOnPath } from './executable-on-path.js';

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
  /**
   * 'pipe' (the default) collects it; 'ignore' for programs that write their output to a file (a dump with
   * --file); 'stream' leaves it to the caller, uncollected: startProgram's child.stdout, and `onStdout` as the
   * program starts (a dump piped into its encryptor); a file descriptor or another program's stdin makes it
   * that (a pipeline: run-pipeline.ts).
   */
  stdout?: 'pipe' | 'ignore' | 'stream' | number | Writable;
  /** With stdout 'stream': called once, as the program starts, with its standard output. */
  onStdout?: (stdout: Readable) => void;
  /** Nothing by default; a file descriptor or another program's stdout; 'pipe' for the next stage of a pipeline. */
  stdin?: 'ignore' | 'pipe' | number | Readable;
  /**
   * A stream of this process piped into the program's standard input (stdin is then a pipe), e.g. a plaintext
   * into age. A program that exits before reading all of it is no error here: its result says how it ended.
   */
  input?: Readable;
  /** Stop the program (SIGTERM, SIGKILL after a grace period) when this is aborted; the result says aborted. */
  abort?: AbortSignal;
  /**
   * Have the kernel send the program SIGTERM when this process dies, even by SIGKILL, which no handler sees:
   * started through util-linux `setpriv --pdeathsig` when it is on PATH (else the caller's sweep of leftovers
   * is the only remedy). For programs that must not outlive the job that started them (a dump holding a
   * snapshot on the node).
   */
  dieWithParent?: boolean;
  /**
   * Run it under the SCHED_IDLE policy (through util-linux `chrt` when it is on PATH, else at the normal
   * priority): it gets a CPU only when nothing else on the machine wants one, and keeps that policy for its
   * whole life (only root could raise it again). For work that must not slow what runs beside it, such as a
   * base backup's check beside pg_basebackup (tar-check-process.ts).
   */
  idlePriority?: boolean;
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
  return startProgram(file, args, options).done;
}

/** A started program: its process (for the streams of stdin/stdout 'pipe' and 'stream') and how it ends. */
export interface StartedProgram {
  child: ChildProcess;
  done: Promise<ProgramResult>;
}

/** Starts `file` with `args`; `done` never rejects. */
export function startProgram(file: string, args: readonly string[], options: ProgramOptions = {}): StartedProgram {
  let child!: ChildProcess;
  const done = new Promise<ProgramResult>((resolve) => {
    const [dying, dyingArgv] = options.dieWithParent ? dyingWithParent(file, args) : [file, [...args]];
    const [program, argv] = (options.idlePriority ? atIdlePriority(dying, dyingArgv) : null) ?? [dying, dyingArgv];
    const stdoutOption = options.stdout ?? 'pipe';
    child = spawn(program, argv, {
      env: options.env ?? process.env,
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
      ...(options.uid !== undefined ? { uid: options.uid } : {}),
      ...(options.gid !== undefined ? { gid: options.gid } : {}),
      stdio: [options.input ? 'pipe' : options.stdin ?? 'ignore', stdoutOption === 'stream' ? 'pipe' : stdoutOption, 'pipe'],
    });
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    if (options.input && child.stdin) {
      // EPIPE when the program stops reading (it failed, or needs no more): its exit status tells the story.
      child.stdin.on('error', () => undefined);
      options.input.pipe(child.stdin);
    }
    if (stdoutOption === 'stream' && child.stdout) options.onStdout?.(child.stdout);
    else if (stdoutOption === 'pipe') child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
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
  return { child, done };
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
  const candidate = executableOnPath('setpriv');
  setpriv = candidate && readFileSync(candidate).includes('pdeathsig') ? candidate : null;
  return setpriv;
}

/**
 * The program and argv that run `file` with `args` under the SCHED_IDLE policy (util-linux `chrt --idle`), or
 * null when chrt is not on PATH. Any process may lower itself to it; none but root may leave it.
 */
function atIdlePriority(file: string, args: readonly string[]): [string, string[]] | null {
  const chrt = executableOnPath('chrt');
  return chrt ? [chrt, ['--idle', '0', file, ...args]] : null;
}

function text(chunks: Buffer[]): string {
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
