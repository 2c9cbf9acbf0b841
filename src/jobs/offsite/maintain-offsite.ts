// What `maintain` does for off-site copies of one backup server: ask for the copies nobody asked for yet,
// make the due ones (new, interrupted, or failed past their backoff), then remote retention.
import type { Catalog } from '../../adapters/catalog/catalog.js';
import type { Logger } from '../../adapters/logger.js';
import type { BackupServerSpec, BackupSpec, NodeSpec, ObjectStoreSpec, RetentionSpec, SnapshotSpec } from '../../core/model.js';
import { offsiteTargetsOf, resolveTargets, type ResolvedTarget } from '../../core/offsite/targets.js';
import type { ActualObject } from '../../core/objects.js';
import { makeCopies, requestMissingCopies, type CopyReport } from './copy-pass.js';
import { pruneRemote, type RemotePruneOutcome } from './remote-prune.js';

export interface OffsiteMaintainOutcome {
  /** Copies asked for in this pass (runs that had none yet). */
  requested: number;
  copies: CopyReport[];
  prune: RemotePruneOutcome;
}

export interface OffsiteMaintainRequest {
  server: string;
  serverSpec: BackupServerSpec;
  objects: readonly ActualObject[];
  dryRun: boolean;
  /** `prune`: remote retention only, no copies. */
  pruneOnly: boolean;
  now: number;
}

export async function maintainOffsite(catalog: Catalog, logger: Logger, request: OffsiteMaintainRequest): Promise<OffsiteMaintainOutcome> {
  const { stores, targetsByDefinition, timezones } = offsiteConfiguration(request.objects, request.server, request.serverSpec, logger);
  let requested = 0;
  let copies: CopyReport[] = [];
  if (!request.dryRun && !request.pruneOnly) {
    requested = await requestMissingCopies(catalog, request.server, targetsByDefinition);
    copies = await makeCopies(catalog, logger, { server: request.server, stores });
  }
  const prune = await pruneRemote(catalog, logger, {
    server: request.server, stores, targetsByDefinition, timezones, dryRun: request.dryRun, now: request.now,
  });
  return { requested, copies, prune };
}

/** The stores, and the targets and time zone of each Backup and Snapshot of the server, from the catalog's objects. */
export function offsiteConfiguration(objects: readonly ActualObject[], server: string, serverSpec: BackupServerSpec, logger?: Logger): {
  stores: Map<string, ObjectStoreSpec>;
  targetsByDefinition: Map<string, ResolvedTarget[]>;
  timezones: Map<string, string>;
} {
  const stores = new Map<string, ObjectStoreSpec>();
  const retentions = new Map<string, RetentionSpec>();
  const nodes = new Map<string, NodeSpec>();
  for (const o of objects) {
    if (o.kind === 'ObjectStore') stores.set(o.name, o.spec as ObjectStoreSpec);
    if (o.kind === 'Retention') retentions.set(o.name, o.spec as RetentionSpec);
    if (o.kind === 'Node') nodes.set(o.name, o.spec as NodeSpec);
  }
  const targetsByDefinition = new Map<string, ResolvedTarget[]>();
  const timezones = new Map<string, string>();
  for (const o of objects) {
    if (o.kind !== 'Backup' && o.kind !== 'Snapshot') continue;
    const spec = o.spec as BackupSpec | SnapshotSpec;
    if (nodes.get(spec.node)?.backupServer !== server) continue;
    const targets = resolveTargets(offsiteTargetsOf(spec, serverSpec), stores, retentions, (m) => logger?.warn({ definition: o.name }, m));
    if (targets.length > 0) targetsByDefinition.set(o.name, targets);
    timezones.set(o.name, 'timezone' in spec ? spec.timezone : serverSpec.timezone);
  }
  return { stores, targetsByDefinition, timezones };
}
