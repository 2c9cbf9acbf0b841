// Runs a claimed Snapshot: the same run as a scheduled definition's (locks, layout, manifest, run records,
// spool), under the snapshot's name, with its keepFor recorded as each run's retention.
import type { Catalog } from '../../adapters/catalog/catalog.js';
import type { ClaimedOneOff } from '../../adapters/catalog/one-off-store.js';
import { methodOf } from '../../core/model.js';
import { nodeSpecOf } from '../../core/objects.js';
import { snapshotResult, type OneOffResult } from '../../core/one-off/outcome.js';
import type { RunnableDefinition } from '../../runtime/definition-cache.js';
import { backupMethodOf } from '../../methods/registry.js';
import { runBackup } from '../run-backup.js';
import { RunRecorder } from '../run-recorder.js';
import type { OneOffContext } from './one-off-context.js';

export async function runSnapshotJob(catalog: Catalog, ctx: OneOffContext, job: ClaimedOneOff<'Snapshot'>): Promise<OneOffResult> {
  const spec = job.spec;
  const { objects } = await catalog.readSnapshot();
  const node = nodeSpecOf(objects, spec.node);
  if (!node) return { state: 'failed', message: `node ${spec.node} is not in the catalog`, result: {} };
  if (node.status === 'stopped') return { state: 'failed', message: `node ${spec.node} is marked stopped; nothing was dumped`, result: {} };
  const { at: _at, startingDeadline: _deadline, keepFor, ...dump } = spec;
  const definition: RunnableDefinition = {
    name: job.name,
    node: { ...node, name: spec.node },
    // Calendar rules do not apply to a snapshot; the server's zone is what its records and reports show.
    backup: { ...dump, timezone: ctx.serverSpec.timezone },
    retention: { expireAfter: keepFor },
  };
  const outcome = await runBackup({
    stateDir: ctx.stateDir,
    server: ctx.server,
    serverSpec: ctx.serverSpec,
    definition,
    method: backupMethodOf(methodOf(spec), `Snapshot ${job.name}`),
    recorder: new RunRecorder(ctx.stateDir, catalog.runs, ctx.logger),
    logger: ctx.logger,
  });
  const result = snapshotResult(outcome.records);
  return outcome.recordedIn === 'spool'
    ? { ...result, result: { ...result.result, recordedIn: 'spool' } }
    : result;
}
