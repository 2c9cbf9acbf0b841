// One pgBackRest backup of a definition's node: `pgbackrest backup --stanza --type`, then `pgbackrest info`
// to record what it took (label, type, prior, sizes, LSNs, WAL range) in the run's facts. The backup lives in
// the server's repository, which pgBackRest writes crash-safely itself (an interrupted backup is resumed or
// removed by its next backup): a run killed meanwhile is marked abandoned by the next run's sweep, and
// nothing of it is ever recorded as a backup. A failure is classified like every run's and keeps its log.
import { failureOf, StepFailedError } from '../step-failed.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runMarker } from '../../adapters/os/run-marked-processes.js';
import type { ClassifiedFailure } from '../../core/dump/classify-failure.js';
import { backupTakenSince, factsOfBackup, parseStanzaInfo } from '../../core/methods/pgbackrest/info.js';
import { pgbackrestSpecOf } from '../../core/methods/pgbackrest/rules.js';
import { emptyPgbackrestFacts } from '../../core/methods/pgbackrest/run-facts.js';
import { runDirectoryName, type PgbackrestRunRecord } from '../../core/runs/run-record.js';
import { approximateMilliseconds, parseDuration } from '../../core/time/duration.js';
import { databaseDirName, definitionRoot } from '../../jobs/backup-layout.js';
import { NodeServerProbe } from '../../jobs/node-server-probe.js';
import { baseRecord, type RunRequest } from '../../jobs/run-request.js';
import { pgbackrestArgv, pgbackrestFailure, runPgbackrest, succeeded } from './run-pgbackrest.js';
import { pgbackrestInvocation } from './server-files.js';

export async function takePgbackrestBackup(request: RunRequest): Promise<PgbackrestRunRecord> {
  const { definition: def, logger } = request;
  const spec = pgbackrestSpecOf(def.backup);
  const stanza = def.node.pgbackrest?.stanza;
  const startedAt = request.now?.() ?? new Date();
  const record = baseRecord(request, null, startedAt) as PgbackrestRunRecord;
  record.methodFacts = emptyPgbackrestFacts(stanza ?? '', spec.backupType);
  await request.recorder.record(record);
  request.onProgress?.({ kind: 'start', database: null });
  const log: string[] = [`run ${record.id} of ${def.name} (pgbackrest ${spec.backupType}) on node ${def.node.name}, stanza ${stanza ?? '(none)'}`, `started ${record.startedAt}`];
  const started = process.hrtime.bigint();
  try {
    if (stanza === undefined) throw new Error(`node ${def.node.name} declares no pgbackrest stanza (its pgbackrest settings were removed since this definition was cached)`);
    request.stop?.throwIfAborted();
    const how = await pgbackrestInvocation(request.stateDir, request.serverSpec);
    // Asked while pgBackRest runs: its info gives the major version only.
    const server = (request.nodeServer ?? new NodeServerProbe(def.node)).version(def.node.maintenanceDatabase);
    server.catch(() => undefined);
    const duration = def.backup.timeout ? parseDuration(def.backup.timeout) : null;
    const timeout = duration ? approximateMilliseconds(duration) : undefined;
    const args = [`--stanza=${stanza}`, `--type=${spec.backupType}`];
    log.push(`argv: ${pgbackrestArgv('backup', args, how.config)}`);
    const result = await runPgbackrest('backup', args, {
      ...how, env: runMarker(record.id), dieWithParent: true,
      ...(request.stop ? { abort: request.stop } : {}), ...(timeout ? { timeoutMs: timeout } : {}),
    });
    if (result.stderr) log.push(`pgbackrest output:\n${result.stderr.trimEnd()}`);
    request.stop?.throwIfAborted();
    if (!succeeded(result)) throw new StepFailedError(pgbackrestFailure(result));

    const info = await runPgbackrest('info', [`--stanza=${stanza}`, '--output=json'], how);
    if (!succeeded(info)) throw new StepFailedError(pgbackrestFailure(info));
    // Timestamps are whole seconds: the backup started no earlier than the second the run did.
    const taken = backupTakenSince(parseStanzaInfo(info.stdout, stanza), Math.floor(startedAt.getTime() / 1000));
    if (!taken) throw new Error(`pgbackrest backup succeeded but pgbackrest info lists no backup of stanza ${stanza} started since ${record.startedAt}`);
    record.methodFacts = factsOfBackup(stanza, spec.backupType, taken);
    if (taken.type !== spec.backupType) log.push(`pgBackRest took a ${taken.type} (asked: ${spec.backupType}): there was no backup to take it against`);
    record.serverVersion = await server.then((s) => s.version, () => null);
    const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
    const finishedAt = request.now?.() ?? new Date();
    log.push(`backup ${taken.label} (${taken.type}${taken.prior ? ` on ${taken.prior}` : ''}), lsn ${taken.lsnStart}..${taken.lsnStop}, wal ${taken.walStart}..${taken.walStop}`);
    log.push(`finished ${finishedAt.toISOString()} in ${(durationMs / 1000).toFixed(1)} s`);
    Object.assign(record, {
      status: 'succeeded', finishedAt: finishedAt.toISOString(),
      // What this backup added to the repository: what expiring it alone would free.
      bytes: taken.repositoryDelta, log: log.join('\n'),
    });
  } catch (err) {
    const failure: ClassifiedFailure = request.stop?.aborted
      ? { reason: 'interrupted', detail: `pgbackops run received ${typeof request.stop.reason === 'string' ? request.stop.reason : 'a stop request'}: pgbackrest was stopped before it finished` }
      : failureOf(err);
    log.push(`failed: ${failure.reason}: ${failure.detail}`);
    logger.error({ definition: def.name, reason: failure.reason }, failure.detail);
    // A failed run keeps its log where its backups' logs would be, for retention's keepFailedFor.
    const parent = join(definitionRoot(request), databaseDirName(null));
    const failedLog = join(parent, `failed-${runDirectoryName(startedAt)}-${record.id.slice(0, 8)}.log`);
    const written = await mkdir(parent, { recursive: true, mode: 0o700 })
      .then(() => writeFile(failedLog, log.join('\n') + '\n', { mode: 0o600 }))
      .then(() => true, () => false);
    Object.assign(record, {
      directory: written ? failedLog : null, status: 'failed', finishedAt: (request.now?.() ?? new Date()).toISOString(),
      failureReason: failure.reason, failureDetail: failure.detail, log: log.join('\n'),
    });
  }
  await request.recorder.record(record);
  return record;
}
