// Runs one definition the way a schedule line does: definition from this server's cache, records to the
// catalog when reachable (a short connect timeout), otherwise to the local spool.
import type { Logger } from '../adapters/logger.js';
import { openCatalog } from '../runtime/catalog-session.js';
import type { Settings } from '../runtime/settings.js';
import { methodOf } from '../core/model.js';
import { backupMethodOf } from '../methods/registry.js';
import { findCachedDefinition } from './definition-lookup.js';
import { NodeServerProbe } from './node-server-probe.js';
import { runBackup, type RunOutcome, type RunProgress } from './run-backup.js';
import { copyOffsite, type RunCopies } from './offsite/run-copies.js';
import { RunRecorder } from './run-recorder.js';
import { estimateRunBytes, withEstimates } from './run-estimate.js';
import { mark } from '../adapters/os/timeline.js';

export interface RunDefinitionRequest {
  definition: string;
  database?: string;
  onProgress?: (event: RunProgress) => void;
  /** Aborted when the job is asked to stop (see run-request.ts). */
  stop?: AbortSignal;
}

export async function runDefinition(settings: Settings, logger: Logger, request: RunDefinitionRequest): Promise<RunOutcome & { offsite: RunCopies }> {
  const found = await findCachedDefinition(settings.stateDir, request.definition, settings.server);
  mark('definition');
  if (!found.cache.serverSpec) throw new Error(`the definition cache of ${found.cache.server} has no server spec; run \`pgbackops apply\` again`);
  // Asked while the catalog opens; the run records nothing before it has its catalog (or spool) anyway.
  const method = backupMethodOf(methodOf(found.definition.backup), `definition ${found.definition.name}`);
  const nodeServer = new NodeServerProbe(found.definition.node).start(method.firstDatabase(found.definition, request.database));
  const catalog = await openCatalog(settings, logger).catch((err: Error) => {
    logger.warn({ err: err.message }, 'catalog unreachable at start; the run will be recorded in the local spool');
    return null;
  });
  mark('catalog');
  try {
    const recorder = new RunRecorder(settings.stateDir, catalog ? catalog.runs : null, logger);
    const outcome = await runBackup({
      stateDir: settings.stateDir,
      server: found.cache.server,
      serverSpec: found.cache.serverSpec,
      definition: found.definition,
      method,
      ...(request.database ? { database: request.database } : {}),
      recorder,
      nodeServer,
      logger,
      ...(request.onProgress
        ? { onProgress: withEstimates(request.onProgress, (database) => estimateRunBytes(catalog?.runs ?? null, found.definition.node, found.definition.name, database, logger)) }
        : {}),
      ...(request.stop ? { stop: request.stop } : {}),
    });
    // The backups are recorded: their off-site copies come after, and a failed copy fails no backup.
    const offsite = request.stop?.aborted ? { copies: [], deferred: false }
      : await copyOffsite(catalog, logger, found.cache.server, found.definition.offsite ?? [], outcome.records);
    mark('offsite');
    return { ...outcome, offsite };
  } finally {
    await catalog?.close().catch(() => undefined);
    mark('closed');
  }
}
