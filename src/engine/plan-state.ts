// Reads the actual state (catalog snapshot + this server's schedule target) and makes the plan.
import { hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { Catalog, CatalogObjectsAt, KnownSpecs, PlanningSnapshot } from '../adapters/catalog/catalog.js';
import type { ActualObject } from '../core/objects.js';
import { createScheduleTarget, defaultPathEnv, type ScheduleTarget } from '../adapters/schedule/index.js';
import { objectKey, type BackupServerSpec, type DesiredConfig, type DesiredObject, type Kind } from '../core/model.js';
import { makePlanAndProjection } from '../core/plan/make-plan.js';
import type { Plan, PlanOptions, RetentionPreview } from '../core/plan/types.js';
import { noteOneOffActions } from '../core/plan/one-off-notes.js';
import { configuredRecipients, recipientRemovalWarnings, removedRecipients } from '../core/encryption/recipient-removal.js';
import { chainedMethodsOf, currentPolicies, judgeServerRuns, keepChainedBackups } from '../core/retention/server-pass.js';
import { askNodes } from '../adapters/postgres/ask-nodes.js';
import { nodesToAsk } from '../core/rpo/uncovered-databases.js';
import { silentLogger, type Logger } from '../adapters/logger.js';
import { selectServer, type ServerCandidate } from '../core/select-server.js';
import { readRememberedServers } from './remembered-server.js';
import type { LineOptions } from '../core/schedule/render.js';
import { planPgbackrestConfig } from './pgbackrest-config.js';
import type { Settings } from '../runtime/settings.js';
import { specsOfKind } from '../core/objects.js';
import { PgbackopsError } from '../core/errors.js';

export interface PlannedState {
  plan: Plan;
  snapshot: PlanningSnapshot;
  /** The schedule target of the selected server, when one is selected. */
  target: ScheduleTarget | null;
  /** The spec the target comes from (the configuration's, or a removed server's last known one). */
  serverSpec: BackupServerSpec | null;
  /** The catalog's objects as the plan leaves them (projectObjects of the snapshot and the plan's actions). */
  projected: ActualObject[];
}

export class PlanInputError extends PgbackopsError {
  readonly code = 'E_SERVER_CHOICE';}

/**
 * A catalog that does not exist yet, as a fresh one reads: version 0 (what the first migration creates, so
 * a plan saved now still applies once apply has created it), no objects, no backups.
 */
const EMPTY_CATALOG: PlanningSnapshot = { version: 0, lastAppliedRevision: null, lastAppliedHeldBack: [], objects: [], backupCounts: {} };

export async function planAgainstState(
  settings: Settings,
  /** null: no catalog exists yet, which plans as an empty one. */
  catalog: Catalog | null,
  desired: DesiredConfig,
  options: PlanOptions,
  logger: Logger = silentLogger,
  /** Ask the nodes for their databases (`plan --check-nodes`): the plan lists those without a backup. */
  checkNodes = false,
  /** The catalog's objects as the caller knows them at a version (the daemon's): not read again while it holds. */
  objectsAt?: CatalogObjectsAt,
  /** The catalog's state, read already (`plan` sends the read while it loads the configuration: readPlanningSnapshotOf). */
  snapshotRead?: Promise<PlanningSnapshot>,
): Promise<PlannedState> {
  const snapshot = snapshotRead ? await snapshotRead : catalog ? await catalog.readPlanningSnapshot(() => knownSpecsOf(desired), objectsAt) : EMPTY_CATALOG;
  const nodeDatabases = checkNodes ? await askNodes(nodesToAsk(snapshot.objects, desired.objects)) : undefined;
  logger.info({ catalogVersion: snapshot.version, objects: snapshot.objects.length, lastAppliedRevision: snapshot.lastAppliedRevision }, 'catalog state read');
  const servers = await serverCandidates(settings, desired, snapshot);
  const choice = selectServer(servers, settings.server, [hostname()]);
  if ('error' in choice) throw new PlanInputError(choice.error);
  logger.info({ server: choice.server, ...(choice.server === null ? { note: choice.note } : {}) }, 'schedule server selected');

  const actual = { catalogVersion: snapshot.version, objects: snapshot.objects, backupCounts: snapshot.backupCounts };
  if (choice.server === null) {
    const { plan, after } = makePlanAndProjection(desired, actual, { server: null, note: choice.note }, options, Date.now(), nodeDatabases);
    await noteOneOffs(catalog, plan);
    await warnOfRemovedRecipients(catalog, plan, snapshot, desired);
    logPlan(logger, plan);
    return { plan, snapshot, target: null, serverSpec: null, projected: after };
  }
  const serverSpec = servers.find((s) => s.name === choice.server)!.spec;
  const target = scheduleTargetOf(settings, choice.server, serverSpec);
  const observed = await target.read();
  logger.info({ target: target.description, entries: observed.entries.length }, 'schedule target read');
  const { plan, after } = makePlanAndProjection(desired, actual, {
    server: choice.server,
    target: target.description,
    observed,
    line: lineOptionsOf(settings, choice.server, serverSpec),
  }, options, Date.now(), nodeDatabases);
  if (catalog) plan.retentionPreview = await previewRetention(catalog, plan, after);
  const pgbackrest = await planPgbackrestConfig(settings.stateDir, choice.server, serverSpec, desired.objects);
  if (pgbackrest) plan.pgbackrestConfig = { file: pgbackrest.file, change: pgbackrest.change, stanzas: pgbackrest.stanzas, contentHash: pgbackrest.contentHash };
  await noteOneOffs(catalog, plan);
  await warnOfRemovedRecipients(catalog, plan, snapshot, desired);
  logPlan(logger, plan);
  return { plan, snapshot, target, serverSpec, projected: after };
}

/** The configuration's specs by kind and name, with their hashes: the catalog sends only the specs that differ from these. */
function knownSpecsOf(desired: DesiredConfig): KnownSpecs {
  // A map per kind by name: no `kind/name` key string made and hashed per object (110,000 at 100,000 definitions).
  const byKind = new Map<Kind, Map<string, DesiredObject>>();
  for (const o of desired.objects) {
    let names = byKind.get(o.kind);
    if (!names) byKind.set(o.kind, (names = new Map()));
    names.set(o.name, o);
  }
  return byKind;
}

/**
 * The catalog's state for a plan of a configuration still being loaded: the read is sent now, and waits for
 * the configuration's hashes (inside its transaction) only to compare them. Settles after `desired` does:
 * a configuration that fails to load ends the read too.
 */
export function readPlanningSnapshotOf(catalog: Catalog, desired: Promise<DesiredConfig>): Promise<PlanningSnapshot> {
  const read = catalog.readPlanningSnapshot(async () => knownSpecsOf(await desired));
  read.catch(() => undefined); // awaited by planAgainstState, or dropped with the configuration's error
  return read;
}

/**
 * The servers this process may manage the schedule of: those of the configuration, then those it removes
 * (still in the catalog), then those removed earlier whose schedule this state directory converged. The spec
 * of a removed server only says where its schedule is; the plan empties it (the catalog as it will be has no
 * such server, or keeps it while its delete is held back).
 */
async function serverCandidates(settings: Settings, desired: DesiredConfig, snapshot: PlanningSnapshot): Promise<ServerCandidate[]> {
  const out: ServerCandidate[] = specsOfKind(desired.objects, 'BackupServer');
  const known = new Set(out.map((s) => s.name));
  for (const o of snapshot.objects) {
    if (o.kind !== 'BackupServer' || known.has(o.name)) continue;
    out.push({ name: o.name, spec: o.spec, removed: 'removed from the configuration: its schedule is emptied' });
    known.add(o.name);
  }
  for (const r of await readRememberedServers(settings.stateDir)) {
    if (known.has(r.name)) continue;
    out.push({ ...r, removed: 'removed from the configuration and the catalog: its schedule stays empty' });
  }
  return out;
}

function logPlan(logger: Logger, plan: Plan): void {
  logger.info({ summary: plan.summary, refusal: plan.refusal?.code ?? null }, 'plan made');
  for (const a of plan.objectActions) logger.debug({ op: a.op, kind: a.kind, name: a.name, blocked: a.blocked ?? false }, 'planned catalog action');
}

/** Reasons of changes to one-off jobs that already ran say what the change will (not) do. */
async function noteOneOffs(catalog: Catalog | null, plan: Plan): Promise<void> {
  // Asked only when the plan touches one: a plan of 10,000 definitions pays nothing.
  if (!catalog || !plan.objectActions.some((a) => a.kind === 'Snapshot' || a.kind === 'Restore')) return;
  const states = new Map((await catalog.oneOffs.list()).map((j) => [objectKey(j.kind, j.name), j.state]));
  noteOneOffActions(plan.objectActions, states);
}

/**
 * W_RECIPIENT_REMOVED (docs/encryption.md, "Key rotation"): the catalog's runs are read only when the plan
 * removes a recipient, so a plan that touches no encryption pays nothing.
 */
async function warnOfRemovedRecipients(catalog: Catalog | null, plan: Plan, snapshot: PlanningSnapshot, desired: DesiredConfig): Promise<void> {
  // Without an update or a delete (blocked ones included: the plan lists every difference), each catalog
  // object is in the configuration with the same spec: no recipient can be gone. A no-op plan of 100,000
  // definitions then does not look through every spec twice.
  if (!catalog || !plan.objectActions.some((a) => a.op !== 'create')) return;
  const after = configuredRecipients(desired.objects);
  const removed = removedRecipients(configuredRecipients(snapshot.objects), after);
  if (removed.size === 0) return;
  const warnings = recipientRemovalWarnings(removed, after, await catalog.runs.keptEncryptedRuns());
  if (warnings.length > 0) plan.warnings = warnings;
}

/**
 * What a retention pass (the one `pgbackops prune` makes) would decide against the catalog as the plan would
 * leave it (`after`), summarised per group.
 */
async function previewRetention(catalog: Catalog, plan: Plan, after: readonly ActualObject[]): Promise<RetentionPreview[]> {
  const policies = currentPolicies(after);
  const alone = judgeServerRuns(await catalog.runs.retentionGroups(plan.server!, (definition) => !policies.has(definition)), policies, { forceRemoved: false, now: Date.now() });
  // As prune decides: what a kept pgBackRest backup was taken against is kept too.
  const chained = chainedMethodsOf(alone);
  const outcome = chained.length > 0 ? keepChainedBackups(alone, await catalog.runs.chainedRunFacts(plan.server!, chained)) : alone;
  // Per group from the compact selections: no decision objects (a server may hold a million runs).
  const groups = new Map<string, RetentionPreview>();
  for (const { definition, database, selection } of outcome.groups) {
    const key = `${definition}\u0000${database ?? ''}`;
    const group = groups.get(key) ?? { definition, database, kept: 0, expiring: 0 };
    group.kept += selection.runs.count - selection.expiring;
    group.expiring += selection.expiring;
    groups.set(key, group);
  }
  return [...groups.values()].sort((a, b) => (a.definition < b.definition ? -1 : a.definition > b.definition ? 1 : (a.database ?? '') < (b.database ?? '') ? -1 : 1));
}

export function lineOptionsOf(settings: Settings, serverName: string, server: BackupServerSpec): LineOptions {
  return {
    binary: settings.binary,
    stateDir: settings.stateDir,
    server: serverName,
    ...(server.scheduler.type === 'cron.d' ? { user: server.scheduler.user ?? 'root' } : {}),
  };
}

export function scheduleTargetOf(settings: Settings, serverName: string, server: BackupServerSpec): ScheduleTarget {
  // A relative cron.d file lives under the state directory (the quickstart uses this so a first try
  // touches nothing else); production configurations name an absolute path such as /etc/cron.d/pgbackops.
  const file = server.scheduler.file;
  const scheduler = file && !isAbsolute(file) ? { ...server.scheduler, file: resolve(settings.stateDir, file) } : server.scheduler;
  return createScheduleTarget(scheduler, {
    binary: settings.binary,
    stateDir: settings.stateDir,
    serverName,
    pathEnv: defaultPathEnv(),
  });
}
