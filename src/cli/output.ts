// Where command output goes: stdout for results, colour only on a TTY and never with NO_COLOR.
import { ansiStyle, plainStyle, type Style } from '../core/render/style.js';
import { EXIT_ERROR, type ErrorExitCode } from './exit-codes.js';
import { VERSION } from './version.js';

export function stdoutStyle(): Style {
  const forced = process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0';
  const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
  return !noColor && (forced || process.stdout.isTTY) ? ansiStyle : plainStyle;
}

export function printText(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

/** JSON output always carries the pgbackops version so scripts can tell what produced it. */
export function printJson(value: Record<string, unknown>): void {
  const withVersion = 'pgbackops_version' in value ? value : { pgbackops_version: VERSION, ...value };
  process.stdout.write(JSON.stringify(withVersion, null, 2) + '\n');
}

/**
 * An error the CLI reports in one line and turns into exit code 1: every error, usage errors included,
 * exits 1 (see exit-codes.ts); the type admits no other code.
 */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: ErrorExitCode = EXIT_ERROR, readonly code = 'E_CLI') {
    super(message);
  }
}
