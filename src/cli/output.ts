// Where command output goes: stdout for results, colour only on a TTY and never with NO_COLOR.
import { ansiStyle, plainStyle, type Style } from '../core/render/style.js';
import { errorDocument, jsonDocument, type JsonError, type KeptKeys } from '../core/render/json-contract.js';
import { jsonChunks } from '../core/render/json-chunks.js';
import { once } from 'node:events';
import { EXIT_ERROR, type ErrorExitCode } from './exit-codes.js';
import { VERSION } from '../runtime/version.js';
import { PgbackopsError } from '../core/errors.js';

export function stdoutStyle(): Style {
  const forced = process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0';
  const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
  return !noColor && (forced || process.stdout.isTTY) ? ansiStyle : plainStyle;
}

/**
 * When the reader of stdout (or stderr) has gone, `pgbackops status | head -1`: end the way git and coreutils
 * do, by SIGPIPE's default action. A closed pipe is the reader's choice, not an error to report: nothing is
 * printed, and the shell sees what it sees of `yes | head -1` (status 141, which only `set -o pipefail`
 * reports). Node ignores SIGPIPE and turns the failed write into an 'error' event, which unhandled would end
 * the process with a stack trace. Called once at start (command-line.ts), for every command.
 */
export function endQuietlyWhenOutputCloses(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      dieOfSigpipe();
    });
  }
}

function dieOfSigpipe(): never {
  // Node sets SIGPIPE to "ignore" at start; a listener added and removed hands it back to the default action
  // (libuv restores SIG_DFL when a signal's last watcher stops), so the signal ends the process as it ends a C
  // program. The exit is for a platform where it did not.
  const ignore = (): void => undefined;
  process.on('SIGPIPE', ignore);
  process.off('SIGPIPE', ignore);
  process.kill(process.pid, 'SIGPIPE');
  process.exit(EXIT_SIGPIPE);
}

/** The status a shell reports for a process ended by SIGPIPE (128 + 13). */
const EXIT_SIGPIPE = 141;

export function printText(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

/** Whether this process has printed its JSON document: a later failure must not print a second one. */
let documentPrinted = false;

/**
 * A command's --json document, in the JSON contract (src/core/render/json-contract.ts, docs/cli.md): snake_case
 * keys, format_version and pgbackops_version first. `kept` names the keys that are data.
 */
export function printJson(value: Record<string, unknown>, kept: KeptKeys = {}): void {
  markJsonPrinted();
  process.stdout.write(JSON.stringify(jsonDocument(value, VERSION, kept), null, 2) + '\n');
}

/**
 * printJson for a document that may be huge (`plan --json`, `apply --json`: a 100,000-action plan is over
 * 100 MB of JSON): written in pieces of about 1 MiB, each after stdout took the one before (a pipe takes
 * writes asynchronously and would otherwise queue them all), so the process never holds it all as text
 * (bench/scale.js measures the peak).
 */
export async function printLargeJson(value: Record<string, unknown>, kept: KeptKeys = {}): Promise<void> {
  markJsonPrinted();
  let piece = '';
  for (const chunk of jsonChunks(jsonDocument(value, VERSION, kept))) {
    piece += chunk;
    if (piece.length >= JSON_PIECE_CHARS) {
      if (!process.stdout.write(piece)) await once(process.stdout, 'drain');
      piece = '';
    }
  }
  process.stdout.write(piece + '\n');
}

const JSON_PIECE_CHARS = 1 << 20;

/** For printers that write their document themselves (prune's decisions, in chunks). */
export function markJsonPrinted(): void {
  documentPrinted = true;
}

/**
 * A failure under --json: the error object on stdout, so that a script reading stdout always gets one JSON
 * document. Nothing when the command already printed its document (an invalid configuration's diagnostics).
 */
export function printJsonError(error: JsonError): void {
  if (documentPrinted) return;
  documentPrinted = true;
  process.stdout.write(JSON.stringify(errorDocument(error, VERSION), null, 2) + '\n');
}

/**
 * A usage error, or a refusal a command makes itself: reported in one line without a code (like commander's
 * own usage errors) and turned into exit code 1: every error, usage errors included, exits 1 (see
 * exit-codes.ts); the type admits no other code. `code` is the stable code of the error object printed under
 * --json (docs/errors.md).
 */
export class CliError extends PgbackopsError {
  constructor(message: string, override readonly exitCode: ErrorExitCode = EXIT_ERROR, readonly code = 'E_USAGE', readonly diagnostics?: unknown[]) {
    super(message);
  }
}
