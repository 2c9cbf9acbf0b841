// Apply: under the catalog's apply lock, plan against fresh state (or check a saved plan is still
// current), commit the catalog changes in one transaction, refresh the server's definition cache, then
// converge the schedule target. Each step is idempotent, so a crash anywhere is healed by the next apply.
import { slotDroppedBy } from '../core/plan/slot-drops.js';
import type { Catalog, CatalogChange, CatalogObjectsAt } from '../adapters/catalog/catalog.js';
import type { Logger } from '../adapters/logger.js';
import type { BackupServerSpec, DesiredConfig } from '../core/model.js';
import { heldBackActions, sameHeldBack, type HeldBackAction } from '../core/plan/held-back.js';
import { projectObjects } from '../core/plan/project.js';
import { inCatalogOrder } from '../core/plan/catalog-order.js';
import { pgbackrestConfigChanges, planHasChanges, scheduleNeedsWrite, type Plan, type PlanOptions } from '../core/plan/types.js';
import { buildDefinitionCache, writeDefinitionCache } from '../runtime/definition-cache.js';
import { planAgainstState } from './plan-state.js';
import { checkSavedPlanCurrent } from './saved-plan.js';
import { failpoint } from '../runtime/failpoint.js';
import { refusePasswordInCatalogUrl, rememberCatalog } from '../runtime/remembered-catalog.js';
import { rememberScheduledServer } from './remembered-server.js';
import { grantJobUser } from './job-user-access.js';
import { convergePgbackrestConfig, stanzaCheckRecords, type PgbackrestConvergence } from './pgbackrest-config.js';
import type { Settings } from '../runtime/settings.js';
import { PgbackopsError } from '../core/errors.js';

export class PlanRefusedError extends PgbackopsError {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export interface ApplyRequest {
  desired: DesiredConfig;
  options: PlanOptions;
  /** Apply exactly this plan, if nothing moved since it was made. */
  savedPlan?: Plan;
  /** Shown the plan before anything changes; returning false cancels. */
  confirm?: (plan: Plan) => Promise<boolean>;
  /** The catalog's objects as the caller last knew them (`objectsAfter` of its previous apply): see planAgainstState. */
  objectsAt?: CatalogObjectsAt;
}

export interface ApplyOutcome {
  plan: Plan;
  /** Something was written: the catalog, the schedule, or both. */
  applied: boolean;
  /** The catalog transaction committed: the revision is recorded as applied, with an apply history row. */
  committed: boolean;
  catalogVersion: number;
  statements: number;
  /** Actions the plan holds back: while this is not empty the revision is applied only partially. */
  heldBack: HeldBackAction[];
  /** The server's pgBackRest configuration file and stanzas (stanza-create, check), when it has any. */
  pgbackrest?: PgbackrestConvergence | null;
  /**
   * The catalog's objects as this apply leaves them, at `catalogVersion`, in the catalog's order: what a caller
   * that applies again (the daemon) passes as `objectsAt` instead of reading them all again.
   */
  objectsAfter?: CatalogObjectsAt;
}

export async function applyConfiguration(settings: Settings, logger: Logger, catalog: Catalog, request: ApplyRequest): Promise<ApplyOutcome> {
  // Before anything changes: jobs could not use what this apply would set up.
  refusePasswordInCatalogUrl(settings.catalogUrl);
  const holder = `pid ${process.pid} (${settings.actor})`;
  return catalog.withApplyLock(holder, settings.lockTimeoutMs, async () => {
    logger.info({ holder }, 'apply lock taken');
    const state = await planAgainstState(settings, catalog, request.desired, request.options, logger, false, request.objectsAt);
    let plan = state.plan;
    if (request.savedPlan) {
      checkSavedPlanCurrent(request.savedPlan, plan);
      plan = request.savedPlan;
    }
    if (plan.refusal) throw new PlanRefusedError(plan.refusal.code, plan.refusal.message);

    const heldBack = heldBackActions(plan);
    const changes = catalogChangesOf(plan);
    // The catalog is written when it changes or has something new to record (the revision, or what it holds
    // back); a schedule that only needs (re)writing is no apply of a revision and leaves no history row.
    const catalogNeedsWrite = changes.length > 0 ||
      state.snapshot.lastAppliedRevision !== plan.revision ||
      !sameHeldBack(heldBack, state.snapshot.lastAppliedHeldBack);
    const writeSchedule = state.target !== null && plan.schedule !== null && scheduleNeedsWrite(plan);
    const unchanged = { plan, applied: false, committed: false, catalogVersion: plan.catalogVersion, statements: 0, heldBack };
    if (!catalogNeedsWrite && !writeSchedule && !pgbackrestConfigChanges(plan)) {
      await refreshCache(settings, logger, plan, state.snapshot.objects, plan.catalogVersion, state.serverSpec);
      const pgbackrest = await convergePgbackrest(settings, logger, catalog, plan, state.snapshot.objects, state.serverSpec);
      return { ...unchanged, pgbackrest, objectsAfter: { version: plan.catalogVersion, objects: state.snapshot.objects } };
    }
    if (request.confirm && planHasChanges(plan) && !(await request.confirm(plan))) return unchanged;

    let catalogVersion = plan.catalogVersion;
    let statements = 0;
    if (catalogNeedsWrite) {
      const committed = await catalog.applyChanges(changes, {
        revision: plan.revision,
        actor: settings.actor,
        summary: { ...plan.summary },
        overrides: overridesUsed(plan),
        heldBack,
      }, plan.catalogVersion, { beforeCommit: () => failpoint('before-catalog-commit') });
      catalogVersion = committed.version;
      statements = committed.statements;
      logger.info({ revision: plan.revision, catalogVersion, changes: changes.length, heldBack: heldBack.length }, 'catalog changes committed');
      failpoint('after-catalog-commit');
    }

    // The catalog as it now is: the plan's projection, unless a saved plan (checked current) is applied.
    const after = plan === state.plan ? state.projected : projectObjects(state.snapshot.objects, plan.objectActions);
    await refreshCache(settings, logger, plan, after, catalogVersion, state.serverSpec);
    if (writeSchedule) {
      await state.target!.write(plan.schedule!.entries);
      logger.info({ target: state.target!.description, entries: plan.schedule!.entries.length }, 'schedule converged');
    }
    const pgbackrest = await convergePgbackrest(settings, logger, catalog, plan, after, state.serverSpec);
    // The catalog holds what the plan projected: its unblocked actions committed (or none, without a commit).
    const objectsAfter = { version: catalogVersion, objects: inCatalogOrder(after) };
    return { plan, applied: true, committed: catalogNeedsWrite, catalogVersion, statements, heldBack, pgbackrest, objectsAfter };
  });
}

function catalogChangesOf(plan: Plan): CatalogChange[] {
  return plan.objectActions
    .filter((a) => !a.blocked)
    .map((a): CatalogChange => a.op === 'delete'
      ? { op: 'delete', kind: a.kind, name: a.name }
      : { op: a.op, kind: a.kind, name: a.name, spec: a.after, hash: a.hash ?? '' });
}

/** Consents that changed the outcome, recorded in the apply history. */
function overridesUsed(plan: Plan): string[] {
  const out: string[] = [];
  const deletesDefinitions = plan.objectActions.some((a) => a.kind === 'Backup' && a.op === 'delete' && !a.blocked);
  if (plan.options.prune && deletesDefinitions) out.push('prune');
  if (plan.options.allowMassDelete && deletesDefinitions) out.push('allow-mass-delete');
  if (plan.options.allowSlotDrop && plan.objectActions.some((a) => !a.blocked && slotDroppedBy(a) !== null)) out.push('allow-slot-drop');
  return out;
}

async function refreshCache(
  settings: Settings, logger: Logger, plan: Plan, objects: Parameters<typeof buildDefinitionCache>[0], catalogVersion: number, serverSpec: BackupServerSpec | null,
): Promise<void> {
  if (!plan.server) return;
  await rememberCatalog(settings.stateDir, settings.catalogUrl);
  // Before the schedule is written: once the server leaves the configuration, this is where its schedule is.
  if (serverSpec) await rememberScheduledServer(settings.stateDir, plan.server, serverSpec);
  const cache = buildDefinitionCache(objects, plan.server, plan.revision, catalogVersion);
  await writeDefinitionCache(settings.stateDir, cache);
  logger.info({ server: plan.server, definitions: cache.definitions.length, catalogVersion }, 'definition cache written');
  if (cache.serverSpec) await grantJobUser(settings.stateDir, plan.server, cache.serverSpec);
}

/**
 * The server's pgBackRest file follows the catalog as it now is; its stanzas are created and checked, and the
 * outcome of each check is recorded for status and /metrics (the rows of stanzas the server no longer has go).
 */
async function convergePgbackrest(
  settings: Settings, logger: Logger, catalog: Catalog, plan: Plan, objects: Parameters<typeof buildDefinitionCache>[0], serverSpec: BackupServerSpec | null,
): Promise<PgbackrestConvergence | null> {
  if (!plan.server || !serverSpec) return null;
  const convergence = await convergePgbackrestConfig(settings.stateDir, logger, plan.server, serverSpec, objects);
  // null: the server has no stanza and no file, so no row to keep either (the apply that removed its last stanza
  // still found the file and removed the rows): a server without pgBackRest pays no statement here.
  if (convergence) await catalog.stanzaChecks.record(stanzaCheckRecords(plan.server, convergence, 'apply', Date.now()), { allOf: plan.server });
  return convergence;
}
