// Runs the built pgbackops CLI (dist/, built by `npm test` before vitest) as a real child process.
import { execa, type ResultPromise } from 'execa';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { expect } from 'vitest';
import { queryAt } from './pg-tools.js';

export const CLI = fileURLToPath(new URL('../../bin/pgbackops.js', import.meta.url));

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function pgbackops(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const result = await execa(process.execPath, [CLI, ...args], {
    reject: false,
    env: { NO_COLOR: '1', PGBACKOPS_LOG_LEVEL: 'warn', ...env },
    extendEnv: true,
    stdin: 'ignore',
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** The user the test configurations' backup servers run their jobs as (`scheduler.user` in helpers/config.ts). */
export const JOB_USER = 'postgres';

/**
 * The CLI as cron starts a scheduled line: as the backup server's job user (runuser, when this process is root),
 * with the test's environment. Started as root instead, the commands that act for a backup server start
 * themselves again as that user (src/cli/act-as-job-user.ts, proven by test/integration/job-user.test.ts): a
 * second Node process per command, which the scheduled jobs never pay for.
 */
export async function pgbackopsAsJobUser(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const asJobUser = process.getuid?.() === 0 ? ['runuser', '-u', JOB_USER, '--', process.execPath] : [process.execPath];
  const result = await execa(asJobUser[0]!, [...asJobUser.slice(1), CLI, ...args], {
    reject: false,
    env: { NO_COLOR: '1', PGBACKOPS_LOG_LEVEL: 'warn', ...env },
    extendEnv: true,
    stdin: 'ignore',
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/**
 * `pgbackops run <definition>` with the test's state directory, which must succeed, then the id of the
 * definition's newest succeeded run in the catalog (`catalog`): the backup that run recorded.
 */
export async function runRecorded(stateDir: string, catalog: pg.ClientConfig, definition: string): Promise<string> {
  const result = await pgbackops(['run', '--state-dir', stateDir, definition]);
  expect(result.exitCode, result.stderr + result.stdout).toBe(0);
  const rows = await queryAt<{ id: string }>(catalog,
    `select id::text from pgbackops.backup_runs where definition = $1 and status = 'succeeded' order by started_at desc`, [definition]);
  return String(rows[0]!.id);
}

/** Starts the CLI without waiting, for kill tests and races. */
export function spawnPgbackops(args: string[], env: Record<string, string> = {}): ResultPromise {
  return execa(process.execPath, [CLI, ...args], { reject: false, env: { NO_COLOR: '1', ...env }, stdin: 'ignore' });
}

/**
 * `apply --yes` (plus `extra` flags) through a test's own `cli` wrapper, then the proof that it converged:
 * `plan --detailed-exitcode` must exit 0, no changes left.
 */
export async function applyConverged(cli: (...args: string[]) => Promise<CliResult>, ...extra: string[]): Promise<CliResult> {
  const apply = await cli('apply', '--yes', ...extra);
  if (apply.exitCode !== 0) throw new Error(`apply exited ${apply.exitCode}:\n${apply.stderr}${apply.stdout}`);
  const plan = await cli('plan', '--detailed-exitcode');
  if (plan.exitCode !== 0) throw new Error(`the plan after apply is not empty (exit ${plan.exitCode}):\n${plan.stdout}${plan.stderr}`);
  return apply;
}

/**
 * Runs a definition's managed cron.d line the way cron does: as the line's user (runuser sets its groups as
 * cron does), with cron's environment only (HOME, LOGNAME, SHELL=/bin/sh, the PATH the file sets), the
 * command handed to /bin/sh. Needs root.
 */
export async function runCronLine(cronFile: string, definition: string): Promise<CliResult> {
  const { readFileSync } = await import('node:fs');
  const text = readFileSync(cronFile, 'utf8');
  const line = text.split('\n').find((l) => l.includes(`# pgbackops:${definition}:`));
  if (!line) throw new Error(`no managed line for ${definition} in ${cronFile}:\n${text}`);
  const fields = line.split(/\s+/);
  const user = fields[5]!;
  const command = fields.slice(6).join(' ');
  const pathEnv = /^PATH=(.*)$/m.exec(text)?.[1] ?? '/usr/bin:/bin';
  const home = (await execa('getent', ['passwd', user])).stdout.split(':')[5]!;
  const result = await execa('runuser', ['-u', user, '--', 'env', '-i', `HOME=${home}`, `LOGNAME=${user}`, 'SHELL=/bin/sh', `PATH=${pathEnv}`, '/bin/sh', '-c', command], {
    reject: false,
    stdin: 'ignore',
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/**
 * Whether `pid` is the process a test started (`starter`) or the child it started to act as the server's job
 * user (src/cli/act-as-job-user.ts): the process that claims and records work. Asked while both run.
 */
export async function isStarterOrItsJobUserChild(pid: number, starter: number | undefined): Promise<boolean> {
  if (pid === starter) return true;
  const { readFileSync } = await import('node:fs');
  try {
    return Number(/^PPid:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) === starter;
  } catch {
    return false;
  }
}

/**
 * The CLI under a pseudo-terminal (util-linux `script`): stdout and stderr are the terminal, merged in what
 * `script` prints (the progress lines of docs/cli.md#progress are drawn only there).
 */
export async function pgbackopsOnTty(args: string[]): Promise<{ exitCode: number; output: string }> {
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const command = [process.execPath, CLI, ...args].map(quote).join(' ');
  const r = await execa('script', ['-qfec', command, '/dev/null'], {
    reject: false,
    stdin: 'ignore',
    env: { NO_COLOR: '1', PGBACKOPS_LOG_LEVEL: 'warn' },
  });
  return { exitCode: r.exitCode ?? -1, output: String(r.stdout) };
}
