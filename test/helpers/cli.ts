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
