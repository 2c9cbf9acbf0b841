// Runs the built pgbackops CLI (dist/, built by `npm test` before vitest) as a real child process.
import { execa, type ResultPromise } from 'execa';
import { fileURLToPath } from 'node:url';

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
