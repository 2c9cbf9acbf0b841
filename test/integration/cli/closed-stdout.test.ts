// `pgbackops ... | head -1`: when stdout's reader has gone, pgbackops ends quietly, as git and coreutils do (by
// SIGPIPE: what a shell reports as 141), instead of dying of an unhandled EPIPE with a stack trace.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLI } from '../../helpers/cli.js';

const quickstart = fileURLToPath(new URL('../../../examples/quickstart', import.meta.url));

/**
 * Runs the CLI with stdout a pipe whose reading end is closed before the child can write (Node takes far
 * longer to start than the parent takes to close it), so its first write fails with EPIPE: the case of
 * `| head -1` once head has read its line, made certain.
 */
function withReaderGone(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('stdout closed by its reader', () => {
  it.each([
    ['the top-level help', ['--help']],
    ["a command's help", ['plan', '--help']],
    ["a command's result", ['schema', 'Backup']],
    ['a configuration check', ['validate', '-c', quickstart]],
  ])('%s ends by SIGPIPE with nothing on stderr', async (_what, args) => {
    const r = await withReaderGone(args);
    expect(r.stderr).toBe('');
    expect(r.signal).toBe('SIGPIPE');
  });
});
