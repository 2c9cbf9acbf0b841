// Where command output goes: stdout for results, colour only on a TTY and never with NO_COLOR.
import { ansiStyle, plainStyle, type Style } from '../core/render/style.js';
import { EXIT_ERROR, type ErrorExitCode } from './exit-codes.js';
import { VERSION } from './version.js';
import { PgbackopsError } from '../core/errors.js';

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
 * A usage error, or a refusal a command makes itself: reported in one line without a code (like commander's
 * own usage errors) and turned into exit code 1: every error, usage errors included, exits 1 (see
 * exit-codes.ts); the type admits no other code. `code` is what --json output carries.
 */
export class CliError extends PgbackopsError {
  constructor(message: string, override readonly exitCode: ErrorExitCode = EXIT_ERROR, readonly code = 'E_CLI') {
    super(message);
  }
}
