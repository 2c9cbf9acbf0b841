// The plan: typed actions computed by pure functions from desired and actual state.
// Everything here is plain data so a plan can be printed, saved as JSON and applied later.
import type { RecipientWarning } from '../encryption/recipient-removal.js';
import type { Kind, SpecByKind } from '../model.js';
import type { RpoEffect } from '../rpo/plan-effects.js';
import type { NodeCoverage } from '../rpo/uncovered-databases.js';
import type { ConfigFileChange } from '../methods/pgbackrest/config-file.js';
import type { ObservedEntry, ScheduleEntry } from '../schedule/entry.js';

export const PLAN_FORMAT_VERSION = '1';

export type ObjectOp = 'create' | 'update' | 'delete';

interface ObjectActionBase<K extends Kind> {
  kind: K;
  name: string;
  /** Why this action exists, in words. */
  reason: string;
  /** Set when the action will not be applied, with the reason and how to allow it. */
  blocked?: string;
  /** What the action means beyond the change itself (a one-off job that already ran is not run again). */
  note?: string;
}

/** An object declared in the configuration and absent from the catalog. */
export interface CreateAction<K extends Kind = Kind> extends ObjectActionBase<K> {
  op: 'create';
  before?: undefined;
  /** Normalised spec wanted. */
  after: SpecByKind[K];
  /** Hash of `after`; stored in the catalog with the spec. */
  hash: string;
  changedFields?: undefined;
}

/** An object whose spec in the configuration differs from the catalog's. */
export interface UpdateAction<K extends Kind = Kind> extends ObjectActionBase<K> {
  op: 'update';
  /** Normalised spec in the catalog. */
  before: SpecByKind[K];
  after: SpecByKind[K];
  hash: string;
  /** Top-level spec fields that differ. */
  changedFields: string[];
}

/** An object of the catalog that is no longer in the configuration. */
export interface DeleteAction<K extends Kind = Kind> extends ObjectActionBase<K> {
  op: 'delete';
  before: SpecByKind[K];
  after?: undefined;
  hash?: undefined;
  changedFields?: undefined;
}

/**
 * One change to the catalog, discriminated by `op` (which specs it carries) and by `kind` (what they are):
 * after `a.kind === 'Backup' && a.op !== 'delete'`, `a.after` is a BackupSpec.
 */
export type ObjectAction = { [K in Kind]: CreateAction<K> | UpdateAction<K> | DeleteAction<K> }[Kind];

export type ScheduleOp = 'add' | 'change' | 'remove';

export interface ScheduleAction {
  op: ScheduleOp;
  name: string;
  before?: ObservedEntry;
  after?: ScheduleEntry;
  reason: string;
  /** The line differs from what pgbackops last wrote: edited, removed or added by hand. */
  drift: boolean;
}

export interface PlanOptions {
  /** Consent to delete definitions that still have backups in the catalog. */
  prune: boolean;
  /** Consent to a plan that deletes all definitions or more than `massDeleteShare` of them. */
  allowMassDelete: boolean;
  /** Share of existing definitions (0..1) above which a deletion is a mass deletion. */
  massDeleteShare: number;
  /**
   * Consent to drop the replication slot of a WAL archive that a Node change removes (core/plan/slot-drops.ts).
   * Absent in plans saved before WAL archives: no consent.
   */
  allowSlotDrop?: boolean;
}

export const DEFAULT_PLAN_OPTIONS: PlanOptions = { prune: false, allowMassDelete: false, massDeleteShare: 0.25 };

export interface RetentionPreview {
  definition: string;
  database: string | null;
  kept: number;
  expiring: number;
}

export interface PlanSummary {
  create: number;
  update: number;
  delete: number;
  blocked: number;
  scheduleAdd: number;
  scheduleChange: number;
  scheduleRemove: number;
  drift: number;
}

export interface Plan {
  formatVersion: string;
  /** The configuration revision the plan was made from. */
  revision: string;
  /** Catalog version the plan was made against; a saved plan is stale once it moved. */
  catalogVersion: number;
  /** The backup server whose schedule is part of this plan, or null (catalog only). */
  server: string | null;
  /** Why no server's schedule is planned, when server is null. */
  serverNote?: string;
  schedule: null | {
    target: string;
    /** Hash of the managed schedule content when the plan was made. */
    contentHash: string;
    /** Every entry the server should end with (what apply writes). */
    entries: ScheduleEntry[];
    /** Problems with the managed file/block besides its entries (stray lines, mode, owner): a write fixes them. */
    problems: string[];
  };
  objectActions: ObjectAction[];
  scheduleActions: ScheduleAction[];
  /**
   * Set when the plan must not be applied as it is: the mass-delete brake (too many definitions deleted, or
   * too many databases left without a backup) without consent.
   */
  refusal?: { code: string; message: string };
  /**
   * What `pgbackops prune` would expire on this server once the plan is applied (retention changes show
   * their effect in review). Informational: prune, not apply, removes backups.
   */
  retentionPreview?: RetentionPreview[];
  /**
   * The worst case of each database whose schedules the plan changes, before and after (docs/monitoring.md,
   * "RPO"). Absent when the plan was made without a clock.
   */
  rpoEffects?: RpoEffect[];
  /**
   * With `plan --check-nodes`: each node running before or after the plan, asked for its databases, and those
   * that no scheduled definition backs up after it (docs/monitoring.md, "Coverage"). Absent without the flag.
   */
  nodeCoverage?: NodeCoverage[];
  /**
   * The server's pgBackRest configuration file (docs/pgbackrest.md): what apply will do to it. Absent when the
   * server has no stanza and no such file.
   */
  pgbackrestConfig?: {
    file: string;
    change: ConfigFileChange;
    stanzas: string[];
    /** sha256 of the file when the plan was made (null: absent); a saved plan is stale once it moved. */
    contentHash?: string | null;
  };
  /**
   * What applying the plan risks without changing anything (W_RECIPIENT_REMOVED: kept backups encrypted only
   * to recipients it removes). Informational: warnings never block an apply.
   */
  warnings?: RecipientWarning[];
  options: PlanOptions;
  summary: PlanSummary;
}

/** True when applying the plan would change something (blocked actions change nothing). */
export function planHasChanges(plan: Plan): boolean {
  return plan.objectActions.some((a) => !a.blocked) || scheduleNeedsWrite(plan) || pgbackrestConfigChanges(plan);
}

/** The schedule target must be written: an entry differs or the managed content has other problems. */
export function scheduleNeedsWrite(plan: Plan): boolean {
  return plan.scheduleActions.length > 0 || (plan.schedule?.problems.length ?? 0) > 0;
}

/** True when the plan has anything to show, including blocked actions the operator must decide on. */
export function planHasPendingWork(plan: Plan): boolean {
  return plan.objectActions.length > 0 || scheduleNeedsWrite(plan) || pgbackrestConfigChanges(plan);
}

/** The pgBackRest configuration file will be created or rewritten (a configuration change or drift). */
export function pgbackrestConfigChanges(plan: Plan): boolean {
  const kind = plan.pgbackrestConfig?.change.kind;
  return kind === 'create' || kind === 'update';
}
