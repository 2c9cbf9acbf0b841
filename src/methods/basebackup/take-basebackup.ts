// Taking one base backup of a definition: pg_basebackup (tar format, WAL streamed) into a temporary directory,
// checked against its backup_manifest while it is written (stream-check.ts: each tar read once, as it grows,
// for its own sha256 and its members' sizes and checksums: CRC32C unless the definition asks otherwise), run.log and manifest.json with the sha256 of every
// file, then renamed to its final timestamped directory under <definition>/_cluster/. A failure, a kill or a
// stop leaves no directory that counts as a backup: only the rename makes one, and the sweep of a dead run
// removes its temporary directory (sweep-abandoned.ts), as for a dump.
import { failureOf, StepFailedError } from '../step-failed.js';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runMarker } from '../../adapters/os/run-marked-processes.js';
import { toolProcessEnv } from '../../adapters/postgres/node-connection.js';
import { runProgram } from '../../adapters/os/run-program.js';
import { ToolVersionFile } from '../../adapters/postgres/tool-version-file.js';
import { findTool } from '../../adapters/postgres/tools.js';
import { digestTree } from '../../adapters/fs/file-digest.js';
import { classifyFailure, type ClassifiedFailure } from '../../core/dump/classify-failure.js';
import { buildBasebackupCommand } from '../../core/methods/basebackup/basebackup-command.js';
import type { BasebackupFacts } from '../../core/methods/basebackup/facts.js';
import { basebackupSpecOf, manifestChecksumsOf } from '../../core/methods/basebackup/options.js';
import { runDirectoryName, type BasebackupRunRecord, type RunRecord } from '../../core/runs/run-record.js';
import { approximateMilliseconds, parseDuration } from '../../core/time/duration.js';
import { segnoOfLsn, walSegmentName } from '../../core/wal/wal-segment.js';
import { TEMP_PREFIX, databaseDirName, definitionRoot, finalDirectory } from '../../jobs/backup-layout.js';
import { baseRecord, type RunRequest } from '../../jobs/run-request.js';
import { readManifestWalRange } from './backup-manifest.js';
import { NodeSession } from './node-facts.js';
import { backupTars } from './tar-files.js';
import { BackupStreamCheck } from './stream-check.js';

const TOOL_VERSIONS_FILE = join('cache', 'tool-versions.json');

export async function takeBasebackup(request: RunRequest, database: string | null): Promise<RunRecord> {
  const { logger } = request;
  const def = { ...request.definition, backup: basebackupSpecOf(request.definition.backup) };
  if (database !== null) throw new Error(`a basebackup copies the whole cluster: it has no database "${database}"`);
  const startedAt = request.now?.() ?? new Date();
  const record = baseRecord(request, null, startedAt) as BasebackupRunRecord;
  // The node is asked what it is while the start is recorded: pg_basebackup starts after both.
  const opening = NodeSession.open(def.node);
  opening.catch(() => undefined); // awaited in the try below, where its failure is the run's
  await request.recorder.record(record).catch(async (err: unknown) => {
    await opening.then((s) => s.close(), () => undefined); // an open connection would keep the process alive
    throw err;
  });
  request.onProgress?.({ kind: 'start', database: null });

  const parent = join(definitionRoot(request), databaseDirName(null));
  const temp = join(parent, `${TEMP_PREFIX}${record.id}`);
  const log: string[] = [`run ${record.id} of ${def.name} (basebackup) on node ${def.node.name}`, `started ${record.startedAt}`];
  const started = process.hrtime.bigint();
  let streamCheck: BackupStreamCheck | null = null;
  let session: NodeSession | null = null;
  try {
    request.stop?.throwIfAborted();
    await mkdir(parent, { recursive: true, mode: 0o700 });
    session = await opening;
    const node = session.facts;
    record.serverVersion = node.serverVersion;
    const tool = await findTool('pg_basebackup', node.serverMajor, request.serverSpec.pgBinDirs, new ToolVersionFile(join(request.stateDir, TOOL_VERSIONS_FILE)));
    log.push(`server ${node.serverVersion} (system ${node.systemIdentifier}); using ${tool.path} (${tool.version})`);

    // pg_basebackup creates the directory itself and refuses one that exists and is not empty.
    const command = buildBasebackupCommand(def.backup, def.node, temp, `pgbackops ${record.id}`, tool.major);
    log.push(`argv: ${[tool.path, ...command.args].join(' ')}`);
    const timeout = def.backup.timeout ? parseDuration(def.backup.timeout) : null;
    const checksums = manifestChecksumsOf(def.backup);
    const copying = runProgram(tool.path, command.args, {
      env: { ...toolProcessEnv(command.env), ...runMarker(record.id) },
      stdout: 'ignore',
      dieWithParent: true,
      ...(request.stop ? { abort: request.stop } : {}),
      ...(timeout ? { timeoutMs: approximateMilliseconds(timeout), killSignal: 'SIGTERM' as const } : {}),
    });
    // Started once pg_basebackup is: the check's process starts while pg_basebackup connects and checkpoints.
    streamCheck = new BackupStreamCheck(temp, checksums, undefined, { ...process.env, ...runMarker(record.id) }).start();
    const result = await copying;
    streamCheck.writerExited();
    if (result.stderr) log.push(`pg_basebackup output:\n${result.stderr}`);
    request.stop?.throwIfAborted();
    if (result.exitCode !== 0 || result.timedOut || result.signal) {
      const stderr = result.spawnError ? `${tool.path}: ${result.spawnError.message}` : result.stderr;
      const failure = classifyFailure({ exitCode: result.exitCode, signal: result.signal, stderr, timedOut: result.timedOut });
      throw new StepFailedError(failure);
    }
    const endTime = await session.clock();
    const closing = session.close(); // the node's goodbye is not waited for before the check's result
    const copiedMs = Number(process.hrtime.bigint() - started) / 1e6;
    const range = await readManifestWalRange(join(temp, 'backup_manifest'));

    const { check, digests } = await streamCheck.finish(node.walSegmentSize);
    streamCheck = null;
    request.stop?.throwIfAborted();
    log.push(check.ok ? `backup_manifest verified by ${check.how}` : `${check.how} found problems:\n${check.problem}`);
    if (!check.ok) {
      throw new StepFailedError({ reason: 'verify-failed', detail: `${check.how}: ${check.problem}` });
    }

    const finishedAt = request.now?.() ?? new Date();
    const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
    log.push(`copied in ${(copiedMs / 1000).toFixed(1)} s; finished ${finishedAt.toISOString()} in ${(durationMs / 1000).toFixed(1)} s`);
    await writeFile(join(temp, 'run.log'), log.join('\n') + '\n', { mode: 0o600 });
    const tars = await backupTars(temp);
    const bytesOf = async (part: (p: string) => boolean) => {
      let n = 0;
      for (const t of tars.filter((x) => part(x.part))) n += (await stat(join(temp, t.name))).size;
      return n;
    };
    const facts: BasebackupFacts = {
      startLsn: range.startLsn, stopLsn: range.endLsn, timeline: range.timeline,
      startWal: walSegmentName(range.timeline, segnoOfLsn(range.startLsn, node.walSegmentSize), node.walSegmentSize),
      stopWal: walSegmentName(range.timeline, segnoOfLsn(range.endLsn, node.walSegmentSize), node.walSegmentSize),
      systemIdentifier: node.systemIdentifier, walSegmentSize: node.walSegmentSize,
      startTime: node.now, endTime, pgBasebackupVersion: tool.version,
      compression: def.backup.compression, checkpoint: def.backup.checkpoint,
      baseBytes: await bytesOf((p) => p !== 'pg_wal'), walBytes: await bytesOf((p) => p === 'pg_wal'),
      durationMs: Math.round(durationMs), manifestCheck: check.how, manifestChecksums: checksums,
    };
    // The tars and backup_manifest were hashed as they were read: only run.log is read here.
    const files = await digestTree(temp, digests);
    const manifest = {
      formatVersion: 1, runId: record.id, definition: def.name, node: def.node.name, database: null, method: 'basebackup',
      startedAt: record.startedAt, finishedAt: finishedAt.toISOString(), durationMs: Math.round(durationMs),
      serverVersion: node.serverVersion, argv: [tool.path, ...command.args], facts, files,
    };
    await writeFile(join(temp, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
    const final = await finalDirectory(parent, startedAt);
    await rename(temp, final);
    await closing;
    Object.assign(record, {
      status: 'succeeded', finishedAt: finishedAt.toISOString(), directory: final,
      bytes: files.reduce((n, f) => n + f.bytes, 0), files, log: log.join('\n'), methodFacts: facts,
    });
  } catch (err) {
    await Promise.all([streamCheck?.abandon(), session?.close() ?? opening.then((s) => s.close(), () => undefined)]);
    const failure: ClassifiedFailure = request.stop?.aborted
      ? { reason: 'interrupted', detail: `pgbackops run received ${typeof request.stop.reason === 'string' ? request.stop.reason : 'a stop request'}: the base backup was stopped before it finished` }
      : failureOf(err);
    log.push(`failed: ${failure.reason}: ${failure.detail}`);
    logger.error({ definition: def.name, reason: failure.reason }, failure.detail);
    await rm(temp, { recursive: true, force: true }).catch((e: Error) => log.push(`could not remove ${temp}: ${e.message}`));
    const failedLog = join(parent, `failed-${runDirectoryName(startedAt)}-${record.id.slice(0, 8)}.log`);
    const logWritten = await mkdir(parent, { recursive: true, mode: 0o700 })
      .then(() => writeFile(failedLog, log.join('\n') + '\n', { mode: 0o600 }))
      .then(() => true, () => false);
    Object.assign(record, {
      directory: logWritten ? failedLog : null,
      status: 'failed', finishedAt: (request.now?.() ?? new Date()).toISOString(),
      failureReason: failure.reason, failureDetail: failure.detail, log: log.join('\n'),
    });
  }
  await request.recorder.record(record);
  return record;
}
