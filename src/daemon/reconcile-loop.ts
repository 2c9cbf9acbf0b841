// One reconcile pass of the daemon, and what it remembers between passes.
//
// full pass:     source (fetch) -> load -> validate -> apply (if the revision moved) -> converge schedule
// converge pass: converge this server's schedule from the catalog (after another daemon's apply)
//
// Every full pass also converges the schedule from the catalog: what was edited, removed or added by hand
// since the schedule was last written (drift) is restored and counted; lines written because the catalog
// changed, or because the schedule is written for the first time, are no drift. An invalid, unverified or
// refused revision changes nothing; it is reported once (log, catalog last_attempt_error, /status) and not
// retried until the revision changes. Other failures (catalog down, lock timeout) are retried with backoff.
import { randomBytes } from 'node:crypto';
import type { Catalog, CatalogObjectsAt } from '../adapters/catalog/catalog.js';
import type { Logger } from '../adapters/logger.js';
import { canonicalJson, sha256Hex } from '../core/canonical.js';
import type { Diagnostic } from '../core/model.js';
import type { PlanOptions } from '../core/plan/types.js';
import { describeHeldBack, heldBackSummary } from '../core/plan/held-back.js';
import { applyConfiguration, PlanRefusedError } from '../engine/apply.js';
import { convergeScheduleFromCatalog } from '../engine/converge-schedule.js';
import { readDefinitionCache, type DefinitionCache } from '../runtime/definition-cache.js';
import { IncrementalDesired } from '../engine/incremental-desired.js';
import type { LoadResult } from '../engine/load-desired.js';
import { PlanInputError } from '../engine/plan-state.js';
import type { Settings } from '../runtime/settings.js';
import type { DaemonStatus, PassRecord } from './daemon-status.js';
import { UnverifiedCommitError } from '../adapters/git/git-source.js';
import type { DaemonMetrics, PassResult } from './metrics.js';
import type { PassRequest } from './trigger-queue.js';

/** Where the configuration of a pass comes from: a watched directory or a git checkout. */
export interface PassSource {
  description: string;
  /** The revision the source is at (git: fetch and resolve the ref), or null when only loading tells (a directory). */
  revision(): Promise<string | null>;
  /**
   * The directory holding `revision`, checked against `since`, the revision the catalog was last applied from
   * (git: the signatures of the commits since it). Throws UnverifiedCommitError for a revision never to apply.
   */
  checkout(revision: string | null, since: () => Promise<string | null>): Promise<string>;
  /**
   * A watched directory: the paths that changed since the last call (null: too many to list), forgotten by
   * the call. A pass asked for by file changes alone reads only those files.
   */
  takeChanges?(): string[] | null;
}

export interface ReconcileDeps {
  settings: () => Settings;
  logger: Logger;
  catalog: Catalog;
  server: string;
  source: PassSource;
  planOptions: PlanOptions;
  metrics: DaemonMetrics;
  status: DaemonStatus;
  /** Called after every pass with this server's definition cache (fresh from the catalog), if any. */
  onConverged?: (cache: DefinitionCache) => Promise<void>;
}

const MAX_DIAGNOSTICS_SHOWN = 20;
/** The reason of a pass the watcher asked for (daemon.ts). */
export const FILE_CHANGE = 'file change';
/** Reasons a pass that reads only the changed files may have besides FILE_CHANGE: none is about the directory. */
const READS_ONLY_CHANGES = new Set([FILE_CHANGE, 'notify', 'catalog reconnected']);

type PassOutcome = Omit<PassRecord, 'id' | 'kind' | 'reasons' | 'startedAt' | 'finishedAt' | 'durationMs' | 'driftCorrections'> & {
  /**
   * Set when the pass applied (or re-checked) the revision: the apply already planned this server's schedule
   * against the file, restored any drift (counted here) and refreshed the definition cache, so reading the
   * catalog again to converge would only cost time and memory (a 10,000-definition snapshot).
   */
  scheduleConverged?: { drift: number };
};

export class ReconcileLoop {
  /** Consecutive failed passes, for the backoff of the next interval pass. */
  consecutiveFailures = 0;
  /** Catalog version of this daemon's own last apply: its own NOTIFY needs no converge pass. */
  ownCatalogVersion: number | null = null;
  private rejectedKey: string | null = null;
  /** The configuration as last loaded, each file's own checks kept: a pass checks only the files that changed. */
  private desired = new IncrementalDesired();
  private lastBlocked: string[] = [];
  /** The last pass read the whole configuration (not only the files a watcher reported): see daemon-passes.ts. */
  lastPassReadWhole = false;
  /**
   * The catalog's objects as this daemon's last apply left them: the next apply reads none of them while the
   * catalog is still at that version (any other apply moves it). Forgotten by every pass that reads the whole
   * configuration, so the level-triggered pass also reads the whole catalog.
   */
  private catalogObjects: CatalogObjectsAt | null = null;

  constructor(private readonly deps: ReconcileDeps) {}

  async run(request: PassRequest): Promise<PassRecord> {
    const id = randomBytes(4).toString('hex');
    const log = this.deps.logger.child({ pass: id });
    const started = Date.now();
    log.info({ kind: request.kind, reasons: request.reasons }, 'pass started');
    let outcome: PassOutcome;
    this.lastPassReadWhole = false;
    try {
      outcome = request.kind === 'full' ? await this.fullPass(log, request) : { result: 'converged', revision: null, error: null, blockedDeletes: this.lastBlocked };
    } catch (err) {
      outcome = { result: 'failed', revision: null, error: (err as Error).message, blockedDeletes: this.lastBlocked };
      log.error({ err: (err as Error).message }, 'pass failed; will retry with backoff');
    }
    let drift = 0;
    try {
      if (outcome.scheduleConverged) {
        drift = outcome.scheduleConverged.drift;
        this.deps.metrics.driftCorrected(drift);
        await this.afterConverge();
      } else {
        // Also after a failed fetch or apply: the schedule still follows the catalog and drift is still healed.
        drift = await this.converge(log);
      }
    } catch (err) {
      outcome = { ...outcome, result: 'failed', error: outcome.error ?? (err as Error).message };
      log.error({ err: (err as Error).message }, 'converging the schedule from the catalog failed; will retry with backoff');
    }
    const finished = Date.now();
    const { scheduleConverged: _, ...fields } = outcome;
    const record: PassRecord = {
      id, kind: request.kind, reasons: request.reasons, startedAt: new Date(started).toISOString(), finishedAt: new Date(finished).toISOString(),
      durationMs: finished - started, driftCorrections: drift, ...fields,
    };
    this.consecutiveFailures = record.result === 'failed' ? this.consecutiveFailures + 1 : 0;
    this.deps.metrics.pass(request.kind, record.result, record.durationMs / 1000);
    const status = this.deps.status;
    status.lastPass = record;
    if (request.kind === 'full') status.lastFullPass = record;
    status.driftCorrections += drift;
    log.info({ result: record.result, durationMs: record.durationMs, drift }, 'pass finished');
    return record;
  }

  private async fullPass(log: Logger, request: PassRequest): Promise<PassOutcome> {
    const { status } = this.deps;
    // Taken first, whatever the pass: a change noted from here on gets a pass of its own (the queue folds it).
    const changed = this.deps.source.takeChanges?.() ?? null;
    // Only a pass that file changes asked for reads just those files (a NOTIFY folded into it says nothing of
    // the directory); the others (start, interval, webhook) read the whole directory, the level-triggered
    // safety net for events a watcher missed.
    const onlyFileChanges = request.reasons.includes(FILE_CHANGE) && request.reasons.every((r) => READS_ONLY_CHANGES.has(r));
    // Known revisions are recognised before anything checks them again: a refused one is reported once, and
    // its verification (which git does per commit) is not repeated on every poll.
    const sourceRevision = await this.deps.source.revision();
    if (sourceRevision !== null && sourceRevision === this.rejectedKey) return this.stillRejected();
    // A commit already applied needs no loading (the directory source has no revision before loading).
    if (sourceRevision !== null && sourceRevision === status.appliedRevision) return this.backToApplied(sourceRevision);
    let dir: string;
    try {
      dir = await this.deps.source.checkout(sourceRevision, () => this.deps.catalog.lastAppliedRevision());
    } catch (err) {
      if (err instanceof UnverifiedCommitError) return this.reject(log, err.commit, 'unverified', err.message);
      throw err;
    }
    const source = { dir, revision: sourceRevision };

    let loaded: LoadResult;
    try {
      loaded = await this.desired.load(source.dir, onlyFileChanges ? changed : null);
    } catch (err) {
      // The changes taken above were not read: the next pass reads the whole directory.
      this.desired = new IncrementalDesired();
      throw err;
    }
    this.lastPassReadWhole = this.desired.lastLoad.kind === 'whole';
    if (this.lastPassReadWhole) this.catalogObjects = null;
    log.info({ reasons: request.reasons, read: this.desired.lastLoad.kind, checkedFiles: this.desired.lastLoad.checked, combined: this.desired.lastLoad.combined, files: loaded.fileCount }, 'configuration loaded');
    if (!loaded.config) {
      const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
      const key = source.revision ?? `invalid-${sha256Hex(canonicalJson(errors)).slice(0, 16)}`;
      if (key === this.rejectedKey) return this.stillRejected();
      const first = errors[0];
      const message = `the configuration is invalid (${errors.length} error(s)); first: ${first ? describe(first) : 'unknown'}`;
      return this.reject(log, key, 'invalid', message, errors.slice(0, MAX_DIAGNOSTICS_SHOWN));
    }
    const revision = source.revision ?? loaded.config.revision;
    if (revision === this.rejectedKey) return this.stillRejected();
    if (revision === status.appliedRevision) return this.backToApplied(revision);

    const settings = this.deps.settings();
    try {
      const objectsAt = this.catalogObjects ?? undefined;
      this.catalogObjects = null;
      const outcome = await applyConfiguration(settings, log, this.deps.catalog, { desired: { ...loaded.config, revision }, options: this.deps.planOptions, objectsAt });
      this.catalogObjects = outcome.objectsAfter ?? null;
      const blocked = outcome.heldBack.map(describeHeldBack);
      if (blocked.length > 0) log.warn({ blocked }, 'deletes blocked: they need --prune (definitions with backups) or --allow-mass-delete');
      this.deps.metrics.blocked(blocked.length);
      this.lastBlocked = blocked;
      if (outcome.committed) this.ownCatalogVersion = outcome.catalogVersion;
      const now = Date.now();
      status.appliedRevision = revision;
      status.appliedAt = new Date(now).toISOString();
      status.heldBack = blocked;
      status.rejected = null;
      this.rejectedKey = null;
      this.deps.metrics.applied(revision, now);
      // A revision with actions held back is applied only partially: never logged or reported as plainly applied.
      const what = outcome.committed ? 'revision applied' : 'revision already applied';
      const fields = { revision, applied: outcome.committed, catalogVersion: outcome.catalogVersion, statements: outcome.statements };
      if (blocked.length > 0) log.warn({ ...fields, heldBack: blocked }, `${what} with ${heldBackSummary(outcome.heldBack)}`);
      else log.info(fields, what);
      const driftActions = outcome.plan.scheduleActions.filter((a) => a.drift);
      const drift = driftActions.length + (outcome.plan.schedule?.problems.length ?? 0);
      if (drift > 0) log.warn({ actions: driftActions.map((a) => `${a.op} ${a.name}`) }, 'schedule drift restored');
      const result = blocked.length > 0 ? 'held-back' : outcome.committed ? 'applied' : 'unchanged';
      return { result, revision, error: null, blockedDeletes: blocked, scheduleConverged: { drift } };
    } catch (err) {
      if (err instanceof PlanRefusedError || err instanceof PlanInputError) return this.reject(log, revision, 'refused', err.message);
      await this.deps.catalog.recordAttempt(revision, (err as Error).message).catch(() => undefined);
      throw err;
    }
  }

  /** Reports a revision that must not be applied, once, and remembers it so it is not retried. */
  private async reject(log: Logger, key: string, result: PassResult, message: string, diagnostics?: Diagnostic[]): Promise<PassOutcome> {
    this.rejectedKey = key;
    this.deps.status.rejected = { revision: key, result, error: message, since: new Date().toISOString(), ...(diagnostics ? { diagnostics } : {}) };
    log.error({ revision: key, result, err: message }, 'revision not applied; the last good state stays; waiting for a new revision');
    await this.deps.catalog.recordAttempt(key, message).catch((err: Error) => log.warn({ err: err.message }, 'could not record the attempt in the catalog'));
    return { result, revision: key, error: message, blockedDeletes: this.lastBlocked, ...(diagnostics ? { diagnostics } : {}) };
  }

  /** The source is at the revision applied last (again, after a refused one was reverted: forget it). */
  private async backToApplied(revision: string): Promise<PassOutcome> {
    if (this.rejectedKey !== null) {
      // The catalog's last attempt is this revision again, without error.
      await this.deps.catalog.recordAttempt(revision, null).catch(() => undefined);
    }
    this.rejectedKey = null;
    this.deps.status.rejected = null;
    return { result: this.lastBlocked.length > 0 ? 'held-back' : 'unchanged', revision, error: null, blockedDeletes: this.lastBlocked };
  }

  private stillRejected(): PassOutcome {
    const r = this.deps.status.rejected!;
    return { result: r.result, revision: r.revision, error: r.error, blockedDeletes: this.lastBlocked, ...(r.diagnostics ? { diagnostics: r.diagnostics } : {}) };
  }

  /** Converges this server's schedule from the catalog; returns the drift corrections made. */
  private async converge(log: Logger): Promise<number> {
    const { server } = this.deps;
    const settings = this.deps.settings();
    let drift = 0;
    try {
      const result = await convergeScheduleFromCatalog(settings, log, this.deps.catalog, server);
      if (result.written) {
        // Only what was edited, removed or added by hand; lines the catalog changed are no drift.
        const driftActions = result.actions.filter((a) => a.drift);
        drift = driftActions.length + result.problems.length;
        if (drift > 0) log.warn({ actions: driftActions.map((a) => `${a.op} ${a.name}`), problems: result.problems }, 'schedule drift restored');
      }
      if (result.pgbackrestDrift) {
        drift += 1;
        const change = result.pgbackrest!.change;
        log.warn({ file: result.pgbackrest!.file, lines: change.kind === 'update' ? change.changedLines : [] }, 'pgBackRest configuration drift restored');
      }
      const failing = result.pgbackrest?.stanzas.filter((s) => !s.create.ok || !s.check.ok) ?? [];
      if (failing.length > 0) log.error({ stanzas: failing.map((s) => s.stanza) }, 'pgBackRest stanza check failed after the configuration file was written');
      if (drift > 0) this.deps.metrics.driftCorrected(drift);
    } catch (err) {
      // Before the first apply the server is not in the catalog yet: nothing to converge.
      if (/is not in the catalog/.test((err as Error).message)) {
        log.warn({ server }, 'backup server not in the catalog yet; no schedule to converge');
        return 0;
      }
      throw err;
    }
    await this.afterConverge();
    return drift;
  }

  private async afterConverge(): Promise<void> {
    if (!this.deps.onConverged) return;
    const cache = await readDefinitionCache(this.deps.settings().stateDir, this.deps.server);
    if (cache) await this.deps.onConverged(cache);
  }
}

function describe(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column} ${d.code} ${d.message}`;
}
