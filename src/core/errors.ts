// The base of every error pgbackops raises on purpose at run time: a stable code (each documented in
// docs/errors.md, "Runtime errors") and the exit code the command ends with, so the CLI prints
// `pgbackops: error CODE: message` and exits without guessing at what an error carries. An error that is not
// a PgbackopsError is unexpected: the CLI prints its message (with its stack under PGBACKOPS_DEBUG) and exits 1.
// Configuration problems are not errors but Diagnostic data (src/core/model.ts), listed all at once.

/** Runtime errors end a command with exit code 1 (docs/cli.md, "Exit codes"). */
export const RUNTIME_ERROR_EXIT = 1;

export abstract class PgbackopsError extends Error {
  /** Stable, documented in docs/errors.md. */
  abstract readonly code: string;
  readonly exitCode: number = RUNTIME_ERROR_EXIT;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
