// Errors the catalog reports to its callers, each a distinct class so the engine can react to it.
import { PgbackopsError } from '../../core/errors.js';

/** The catalog version moved since the plan was made: plan again. */
export class StaleCatalogError extends PgbackopsError {
  readonly code = 'E_CATALOG_STALE';
  constructor(
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(
      `the catalog changed since the plan was made (catalog version ${actualVersion}, plan made against ${expectedVersion}); make a new plan`,
    );
  }
}

export interface ApplyLockHolder {
  actor?: string;
  pid?: number;
  host?: string;
  since?: Date;
  /** The holder's PostgreSQL backend pid. */
  backendPid?: number;
  applicationName?: string;
}

/** Another process holds the apply lock; the message names it. */
export class ApplyLockTimeoutError extends PgbackopsError {
  readonly code = 'E_APPLY_LOCK_TIMEOUT';
  constructor(
    readonly timeoutMs: number,
    readonly holder: ApplyLockHolder | null,
  ) {
    super(`could not take the apply lock within ${timeoutMs} ms: it is held by ${describeHolder(holder)}`);
  }
}

function describeHolder(holder: ApplyLockHolder | null): string {
  if (!holder) return 'another session that released it just now (try again)';
  if (holder.actor !== undefined) {
    const since = holder.since ? `, since ${holder.since.toISOString()}` : '';
    return `${holder.actor} (pid ${holder.pid} on ${holder.host}${since})`;
  }
  // The holder has not written its record yet (or it is not pgbackops): say what PostgreSQL knows.
  const app = holder.applicationName ? ` "${holder.applicationName}"` : '';
  const since = holder.since ? `, connected since ${holder.since.toISOString()}` : '';
  return `database session${app} (backend pid ${holder.backendPid}${since})`;
}

/** The catalog refused a change for integrity reasons (a foreign key, a duplicate, a missing row). */
export class CatalogIntegrityError extends PgbackopsError {
  readonly code = 'E_CATALOG_INTEGRITY';
}

/**
 * The catalog connection was lost while an apply's transaction was open. `committed` says what became of
 * it: false when the commit was never sent or PostgreSQL reports the transaction aborted (nothing was
 * applied), null when nobody can tell (the commit was sent and the catalog could not be asked again).
 */
export class CatalogConnectionLostError extends PgbackopsError {
  readonly code = 'E_CATALOG_CONNECTION_LOST';
  constructor(
    readonly committed: false | null,
    options: { cause: unknown },
  ) {
    super(
      committed === false
        ? `the catalog connection was lost before the commit: nothing was applied (${causeText(options.cause)}); run apply again`
        : `the catalog connection was lost during the commit, and whether it committed is unknown (${causeText(options.cause)}); ` +
          'run `pgbackops plan` to see, and apply again (it converges either way)',
      options,
    );
  }
}

function causeText(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * The catalog could not be opened (reached, logged into, found, migrated): the message names which catalog,
 * why in the words of classifyJobError's reasons, and the next step (core/failure-advice.ts).
 */
export class CatalogUnavailableError extends PgbackopsError {
  readonly code = 'E_CATALOG_UNAVAILABLE';
  constructor(
    readonly where: string,
    readonly reason: string,
    detail: string,
    advice: string,
  ) {
    super(`cannot open the catalog (${where}): ${reason}: ${detail}. Next step: ${advice}`);
  }
}
