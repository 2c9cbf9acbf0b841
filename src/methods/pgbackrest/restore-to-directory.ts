// `pgbackops restore ID --to-dir DIR` of a pgBackRest backup: plan (restore-plan.ts: refusals, argv), then
// `pgbackrest restore --set=<label> --pg1-path=DIR` with the recovery target (and --target-timeline,
// --tablespace-map <OID>=NEW for each of the backup's tablespaces), as the job user (the PostgreSQL
// OS user), and with --start the restored cluster started on its own port until recovery reaches the target.
// Recorded like every restore (restore-recorder.ts): running first, then succeeded or failed. A failure (of
// pgBackRest, or of recovery with --start) is undone as a basebackup restore's is: the server it started is
// stopped, and what it wrote removed (DIR and the tablespace locations when it created them, else their contents).
import { StepFailedError } from '../step-failed.js';
import { randomUUID } from 'node:crypto';
import { chown, readdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Catalog } from '../../adapters/catalog/catalog.js';
import { executorId } from '../../adapters/os/process-alive.js';
import { makeDirectory } from '../../adapters/fs/make-directory.js';
import { parseStanzaInfo, type StanzaInfo } from '../../core/methods/pgbackrest/info.js';
import { planPgbackrestRestore } from '../../core/methods/pgbackrest/restore-plan.js';
import type { PgbackrestRunFacts } from '../../core/methods/pgbackrest/run-facts.js';
import { describeRecoveryTarget, type DirectoryRestoreResult } from '../../core/restore/directory-restore.js';
import type { RestoreRecord } from '../../core/restore/restore-record.js';
import { readDefinitionCache } from '../../runtime/definition-cache.js';
import { restoreRecorder } from '../../jobs/restore-recorder.js';
import { RestoreRefusedError, type DirectoryRestoreOutcome, type DirectoryRestoreRequest } from '../method.js';
import { pgCtlFor, refuseTakenPort, restoredSocketDirectory, startRestoredCluster, StartRestoredClusterError, stopRestoredCluster } from '../physical/start-restored-cluster.js';
import { undoDirectoryRestore } from '../physical/undo-directory-restore.js';
import { pgbackrestFailure, runPgbackrest, succeeded, type PgbackrestInvocation } from './run-pgbackrest.js';
import { pgbackrestInvocation, serverPgbackrestPaths } from './server-files.js';
import { backupWalSegmentSize } from './backup-wal-segment-size.js';
import { readArchiveTimelines } from './archive-timelines.js';
import { recoveryListener, whileWriting } from '../restore-progress.js';
import { DEFAULT_WAL_SEGMENT_SIZE } from '../../core/wal/wal-segment.js';
import { mapTablespaces } from '../../core/restore/tablespace-placements.js';
import { directoryState } from '../physical/directory-state.js';
import { restoredWalSegmentSize } from '../physical/wal-segment-size.js';

export async function restorePgbackrestToDirectory(catalog: Catalog, request: DirectoryRestoreRequest): Promise<DirectoryRestoreOutcome> {
  const { backup, options } = request;
  const facts = backup.methodFacts as unknown as PgbackrestRunFacts | null;
  if (backup.status !== 'succeeded' || !facts?.label) throw new RestoreRefusedError(`backup ${backup.id} is ${backup.status}${facts?.label ? '' : ' with no pgBackRest label'}: only a succeeded backup can be restored`);
  // A taken port is refused before anything is read: found at the start, it would cost the whole restore.
  if (options.start) await refuseTakenPort(options.toDir, options.start.port);
  const cache = await readDefinitionCache(request.stateDir, backup.backupServer);
  if (!cache?.serverSpec) throw new RestoreRefusedError(`backup server ${backup.backupServer} has not been applied in ${request.stateDir}: its pgBackRest repository is not known here`);
  const how = await pgbackrestInvocation(request.stateDir, cache.serverSpec);
  const info = await readInfo(how, facts.stanza, facts.label);
  // The backup's tablespaces as pgBackRest lists them, placed by --tablespace-map (by their location, as for
  // basebackup), the others by --tablespace-map-all under DIR/<OID> (passed to pgBackRest as one map per OID).
  const inRepo = info?.backups.find((b) => b.label === facts.label);
  const mapped = mapTablespaces((inRepo?.tablespaces ?? []).map((t) => ({ oid: t.oid, source: `tablespace ${t.name}`, location: t.location })), options.tablespaceMap ?? []);
  const tablespaces = await Promise.all(mapped.placements.map(async (t) => {
    const to = t.to ?? (options.tablespacesUnder !== undefined ? join(options.tablespacesUnder, t.oid) : null);
    return { ...t, to, toState: to === null ? null : await directoryState(to) };
  }));
  // The source's WAL segment size (from the backup's pg_control) and the archive's timelines: what the target is checked against.
  const major = backup.serverVersion ? Number(backup.serverVersion.split('.')[0]) : null;
  const [walSegmentSize, timelines] = await Promise.all([
    inRepo && major ? backupWalSegmentSize(how, { stanza: facts.stanza, label: facts.label, reference: inRepo.reference, major }, cache.serverSpec.pgBinDirs) : null,
    options.target.kind === 'end' ? null : readArchiveTimelines(serverPgbackrestPaths(request.stateDir, cache.serverSpec).repository, facts.stanza, info?.archiveId ?? null),
  ]);
  const plan = planPgbackrestRestore({
    backup: { id: backup.id, node: backup.node, definition: backup.definition, facts },
    toDir: options.toDir, dirEntries: await entriesOf(options.toDir), target: options.target, info, config: how.config,
    now: (request.now?.() ?? new Date()).getTime(),
    ...(options.timeline ? { timeline: options.timeline } : {}), tablespaces, unknownTablespaceMappings: mapped.unknown,
    walSegmentSize, timelines,
  });
  if (options.start) plan.steps.push(`start the restored cluster on port ${options.start.port} (socket in ${restoredSocketDirectory(options.toDir)}) and wait until recovery reaches the target`);
  if (request.dryRun || plan.refusals.length > 0) return { plan, record: null, recordedIn: null, result: null };
  if (request.confirm && !(await request.confirm(plan))) return { plan, record: null, recordedIn: null, result: null };

  const recorder = restoreRecorder(request.stateDir, catalog.restores, request.logger);
  const started = Date.now();
  const record: RestoreRecord = {
    id: randomUUID(), purpose: request.purpose, backupRunId: backup.id, definition: backup.definition, sourceDatabase: null,
    backupType: null, format: null, targetNode: null, targetDatabase: null, renamedExistingTo: null, status: 'running',
    startedAt: new Date(started).toISOString(), finishedAt: null, failureReason: null, log: null, pgRestoreVersion: null,
    serverVersion: backup.serverVersion, createdRoles: [], createdDatabases: [], actor: request.actor, executor: executorId(hostname()),
    method: 'pgbackrest', targetDir: options.toDir, recoveryTarget: describeRecoveryTarget(options.target), methodFacts: { label: facts.label, stanza: facts.stanza },
  };
  await recorder.record(record);
  const log: string[] = [...plan.steps.map((s, i) => `${i + 1}. ${s}`)];
  let result: DirectoryRestoreResult | null = null;
  // What the undo of a failure may remove: DIR when this restore creates it, the tablespace locations it did not find.
  let createdDir = false;
  let pgCtl: string | null = null;
  try {
    const made = await makeDirectory(options.toDir, 0o700, 0o755);
    createdDir = made.created;
    if (how.as && made.created) await chown(options.toDir, how.as.uid, how.as.gid);
    // Progress: the bytes pgBackRest has written into DIR against the size of the cluster it backed up.
    const restored = await whileWriting(request.onProgress, 'pgbackrest restore', options.toDir, facts.databaseBytes, () => runPgbackrest('restore', plan.argv, how));
    if (restored.stderr) log.push(restored.stderr.trimEnd());
    if (!succeeded(restored)) throw new StepFailedError(pgbackrestFailure(restored));
    result = { reached: null, started: null, recoveryTimeMs: null };
    if (options.start) {
      const target = options.target;
      // Progress counts segments: of the cluster's own size (initdb --wal-segsize), not always 16 MiB: the
      // backup's pg_control said it before the restore; else the restored one is asked.
      const readSize = walSegmentSize ?? await restoredWalSegmentSize(options.toDir, cache.serverSpec.pgBinDirs);
      const segmentSize = readSize ?? DEFAULT_WAL_SEGMENT_SIZE;
      log.push(readSize === null ? `WAL segment size unknown (pg_controldata could not read it): ${segmentSize} bytes assumed`
        : `WAL segment size ${segmentSize} bytes (pg_controldata of ${walSegmentSize !== null ? `the backup's pg_control in the repository` : options.toDir})`);
      const onLog = recoveryListener(request.onProgress, facts.lsnStart,
        target.kind === 'lsn' ? target.lsn : target.kind === 'end' ? facts.lsnStop : null, segmentSize);
      pgCtl = await pgCtlFor(options.toDir, cache.serverSpec.pgBinDirs);
      const cluster = await startRestoredCluster(pgCtl, options.toDir, options.start.port, onLog).catch((err: Error) => {
        if (err instanceof StartRestoredClusterError) log.push(`server log:\n${err.log.trim()}`);
        throw err;
      });
      result = { reached: cluster.reached, started: { port: cluster.port, dataDirectory: cluster.dataDirectory }, recoveryTimeMs: Date.now() - started };
      log.push(`started on port ${cluster.port}; recovery reached lsn ${cluster.reached.lsn}, last transaction at ${cluster.reached.time}; ${result.recoveryTimeMs} ms from the start of the restore`);
    }
    Object.assign(record, { status: 'succeeded', finishedAt: new Date().toISOString(), log: log.join('\n'), methodFacts: { ...record.methodFacts, reached: result.reached, port: options.start?.port ?? null, recoveryTimeMs: result.recoveryTimeMs } });
  } catch (err) {
    // pgBackRest's own failure by its reason; any other (the start: recovery, a port taken since the check) by
    // its message's first line, as a basebackup restore's, which `restore` prints.
    const failure = err instanceof StepFailedError ? err.failure : undefined;
    log.push(`failed: ${failure ? `${failure.reason}: ${failure.detail}` : (err as Error).message}`);
    request.logger.error({ restore: record.id, backup: backup.id }, failure?.detail ?? (err as Error).message);
    if (pgCtl) await stopRestoredCluster(pgCtl, options.toDir, 'immediate').catch((e: Error) => log.push(`could not stop the restored server: ${e.message}`));
    await undoDirectoryRestore({ path: options.toDir, created: createdDir },
      tablespaces.flatMap((t) => (t.to === null ? [] : [{ path: t.to, created: t.toState?.kind === 'absent' }])), log);
    Object.assign(record, { status: 'failed', finishedAt: new Date().toISOString(), failureReason: failure?.reason ?? (err as Error).message.split('\n')[0], log: log.join('\n') });
  }
  await recorder.record(record);
  const recordedIn = recorder.mode;
  return { plan, record, recordedIn, result };
}

/** The stanza's info for one backup (`--set`: its tablespaces are listed only then). */
async function readInfo(how: PgbackrestInvocation, stanza: string, label: string): Promise<StanzaInfo | null> {
  const info = await runPgbackrest('info', [`--stanza=${stanza}`, `--set=${label}`, '--output=json'], how);
  return succeeded(info) ? parseStanzaInfo(info.stdout, stanza) : null;
}

async function entriesOf(dir: string): Promise<number | null> {
  try {
    return (await readdir(dir)).length;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
