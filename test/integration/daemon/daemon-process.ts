// Runs `pgbackops daemon` as a real child process for the daemon tests: its JSON log lines are collected,
// its HTTP port is chosen free beforehand, and helpers wait (bounded) for conditions.
import { execa, type ResultPromise } from 'execa';
import { CLI } from '../../helpers/cli.js';
import { freePort } from '../../helpers/free-port.js';

/**
 * Bound of every wait for the daemon: generous, because integration suites of the whole project share two
 * cores; a converged daemon answers in well under a second when the machine is idle.
 */
export const WAIT = 60_000;

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface DaemonProcess {
  proc: ResultPromise;
  url: string;
  logs: LogLine[];
  stderr(): string;
  get(path: string): Promise<{ status: number; text: string }>;
  status(): Promise<Record<string, any>>;
  waitForLog(pred: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/** Daemons started by this test file, newest last: a timed-out wait shows the newest one's log. */
const started: DaemonProcess[] = [];

/** The daemon listens on HTTP: it has its catalog, its server and its lock. */
const listening = (l: LogLine): boolean => l.msg === 'HTTP listening';

/** Starts the daemon; resolves when `startedWhen` sees a log line (by default: HTTP listens) or the process ended. */
export async function startDaemon(args: string[], env: Record<string, string> = {}, startedWhen: (l: LogLine) => boolean = listening): Promise<DaemonProcess> {
  const port = await freePort();
  const proc = execa(process.execPath, [CLI, 'daemon', '--listen', `127.0.0.1:${port}`, '--maintain-schedule', 'off', ...args], {
    reject: false,
    stdin: 'ignore',
    env: { NO_COLOR: '1', PGBACKOPS_LOG_LEVEL: 'debug', ...env },
    buffer: false,
  });
  const logs: LogLine[] = [];
  let raw = '';
  let pending = '';
  proc.stderr!.on('data', (chunk: Buffer) => {
    raw += chunk.toString();
    pending += chunk.toString();
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        /* not a log line (e.g. the CLI's final error message) */
      }
    }
  });
  proc.stdout!.resume();
  const url = `http://127.0.0.1:${port}`;
  const d: DaemonProcess = {
    proc,
    url,
    logs,
    stderr: () => raw,
    async get(path) {
      const res = await fetch(url + path);
      return { status: res.status, text: await res.text() };
    },
    async status() {
      return JSON.parse((await d.get('/status')).text);
    },
    async waitForLog(pred, timeoutMs = WAIT) {
      return waitFor(() => logs.find(pred), timeoutMs, () => `log line not seen; stderr:\n${raw.slice(-3000)}`);
    },
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null) proc.kill(signal);
      const result = await proc;
      return result.exitCode ?? -1;
    },
  };
  // Started once the line is seen, or the process ended early (refused to start).
  started.push(d);
  await Promise.race([d.waitForLog(startedWhen, WAIT), proc]);
  return d;
}

/** Polls fn until it returns a truthy value (or throws the last error) within timeoutMs. */
export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs = WAIT, what: () => string = () => 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown = null;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) {
      const log = started.at(-1)?.stderr().slice(-2000) ?? '';
      throw new Error(`timed out waiting for ${what()}${lastErr ? ` (last error: ${(lastErr as Error).message})` : ''}\nnewest daemon's log:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
