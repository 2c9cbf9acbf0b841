// Dumping one database (or the cluster) of a definition: pg_dump / pg_dumpall into a temporary directory,
// roles and database settings captured alongside, run.log and manifest.json with sha256 of every file,
// then renamed to its final timestamped directory. An encrypted backup (docs/encryption.md) streams the
// tool's standard output (a cluster dump's through its compression program first) through a sha256 of the
// plaintext into `age -e`, which writes the .age file: no plaintext reaches the disk; the captures are
// encrypted from memory the same way. A failure leaves its log and no half dump, and is recorded whatever
// step failed: cleaning up after a failure is best effort and never keeps the record from being written.
import { failureOf, StepFailedError } from '../step-failed.js';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { AgeNotFoundError, encryptBuffer, startEncryptor, type Encryptor } from '../../adapters/age/age-cli.js';
import { ageErrorLine, encryptedName } from '../../core/encryption/age-command.js';
import { toolProcessEnv } from '../../adapters/postgres/node-connection.js';
// Type only: the capture module itself is loaded while pg_dump runs (below).
import type { CapturedGlobals } from '../../adapters/postgres/capture-globals.js';
import { runMarker } from '../../adapters/os/run-marked-processes.js';
import { runPipeline, type PipelineSink } from '../../adapters/os/run-pipeline.js';
import { runProgram, type ProgramOptions, type ProgramResult } from '../../adapters/os/run-program.js';
import { ToolVersionFile } from '../../adapters/postgres/tool-version-file.js';
import { findTool } from '../../adapters/postgres/tools.js';
import { AppendOnlyDigest, digestTree } from '../../adapters/fs/file-digest.js';
import { classifyFailure, type ClassifiedFailure } from '../../core/dump/classify-failure.js';
import { buildDumpCommand, redactArgv } from '../../core/dump/dump-command.js';
import { logicalSpecOf } from '../../core/methods/logical/options.js';
import { clusterDumpFile, type StreamProgram } from '../../core/dump/stream-compression.js';
import { dumpFileOf } from '../../core/restore/restore-plan.js';
import { runDirectoryName, type RunRecord } from '../../core/runs/run-record.js';
import { approximateMilliseconds, parseDuration } from '../../core/time/duration.js';
import { TEMP_PREFIX, databaseDirName, definitionRoot, finalDirectory } from '../../jobs/backup-layout.js';
import { NodeServerProbe } from '../../jobs/node-server-probe.js';
import { baseRecord, type RunRequest } from '../../jobs/run-request.js';
import { mark } from '../../adapters/os/timeline.js';

/** In the state directory: what each client binary answered to `--version` (see tool-version-file.ts). */
// Under cache/, which belongs to the job user when cron runs jobs as another user than the applier.
const TOOL_VERSIONS_FILE = join('cache', 'tool-versions.json');

export async function dumpDatabase(request: RunRequest, database: string | null): Promise<RunRecord> {
  const { definition: def, logger } = request;
  const spec = logicalSpecOf(def.backup);
  const startedAt = request.now?.() ?? new Date();
  const record = baseRecord(request, database, startedAt);
  await request.recorder.record(record);
  mark('running recorded');
  request.onProgress?.({ kind: 'start', database });

  const parent = join(definitionRoot(request), databaseDirName(database));
  const temp = join(parent, `${TEMP_PREFIX}${record.id}`);
  const log: string[] = [`run ${record.id} of ${def.name} (${spec.type}) on node ${def.node.name}, database ${database ?? '(cluster)'}`, `started ${record.startedAt}`];
  const started = process.hrtime.bigint();
  let hashing: AppendOnlyDigest | null = null;
  let captures: Promise<CapturedGlobals> | null = null;
  const encryption = def.backup.encryption ?? null;
  const recipients = encryption?.age.recipients ?? null;
  /** Encrypted files (relative path) -> the digest of their plaintext. */
  const plaintexts = new Map<string, { bytes: number; sha256: string }>();
  try {
    request.stop?.throwIfAborted();
    await mkdir(temp, { recursive: true, mode: 0o700 });
    const connectDb = database ?? def.node.maintenanceDatabase;
    const server = await (request.nodeServer ?? new NodeServerProbe(def.node)).version(connectDb);
    record.serverVersion = server.version;
    const toolName = spec.type === 'cluster' ? 'pg_dumpall' : 'pg_dump';
    const tool = await findTool(toolName, server.major, request.serverSpec.pgBinDirs, new ToolVersionFile(join(request.stateDir, TOOL_VERSIONS_FILE)));
    record.pgDumpVersion = tool.version;
    log.push(`server ${server.version}; using ${tool.path} (${tool.version})`);

    // pg_dump writes the file itself (--file); a custom archive is hashed afterwards with the other files, the
    // append-only outputs while they are written (below). Streaming its
    // stdout through this process to hash it on the way cost far more CPU than reading it again (Node's
    // stream machinery per 4 KiB pipe write: about 0.7 s for a 20 MB custom archive, taken from the cores
    // pg_dump and the server are using), and a custom archive written to a pipe lacks the table-data
    // offsets pg_dump writes back into a seekable file, so pg_restore had to read through it to find a table.
    const cluster = spec.type === 'cluster';
    const plainName = cluster ? clusterDumpFile(spec.compression) : dumpFileOf({ database, backupType: spec.type, format: spec.format });
    const output = join(temp, recipients ? encryptedName(plainName) : plainName);
    // Encrypted: the tool writes to its standard output (no --file), which age reads (below).
    const command = buildDumpCommand(spec, def.node, database, recipients ? null : output, tool.major);
    if (recipients) log.push(`encrypting with age to ${recipients.length} recipient(s): ${recipients.map(shortRecipient).join(', ')}`);
    log.push(`argv: ${redactArgv(command).join(' ')}`);
    const timeout = def.backup.timeout ? parseDuration(def.backup.timeout) : null;
    const timeoutMs = timeout ? approximateMilliseconds(timeout) : undefined;
    const progress = request.onProgress ? watchBytes(temp, (bytes) => request.onProgress?.({ kind: 'bytes', database, bytes })) : null;
    // pg_dump appends to every file of a directory archive and to plain SQL, a compression program to a
    // compressed cluster dump, age to what it encrypts: those are hashed while written (what is on disk).
    const appendOnly = recipients !== null || cluster || spec.format !== 'custom';
    hashing = appendOnly ? new AppendOnlyDigest(output) : null;
    // age's environment is this process's (it needs no libpq settings) with the run's marker: it dies with this
    // process as the dump does, and the sweep of a killed run finds it the same way.
    const encryptor = recipients ? encryptorOrFailure(recipients, output, record.id, request.stop) : null;
    const toolOptions = {
      // Only the node's libpq settings and LC_MESSAGES=C: a PGPASSWORD or PGOPTIONS exported in the caller's
      // shell must not change how the node is reached, and English messages keep failures classifiable.
      // The run's marker lets the sweep of a killed run find this program (and its workers) again; with
      // dieWithParent it is stopped by the kernel as soon as this process dies, however it dies.
      env: { ...toolProcessEnv(command.env), ...runMarker(record.id) },
      dieWithParent: true,
      ...(request.stop ? { abort: request.stop } : {}),
      ...(timeoutMs ? { timeoutMs, killSignal: 'SIGTERM' as const } : {}),
    };
    mark('tool start');
    const dumped = runDump(tool.path, command.args, toolOptions, command.compress, encryptor ? { onStdout: (stdout) => stdout.pipe(encryptor.input) } : { file: output }, record.id);
    // Roles and database settings are captured on their own connection while pg_dump runs, so their cost
    // hides behind the dump's; so does loading the capture and its SQL rendering, which nothing before needs.
    const globals = database === null
      ? null
      : import('../../adapters/postgres/capture-globals.js').then((m) => m.captureGlobals(def.node, database));
    // Written (encrypted: each through its own age, at once) as soon as captured, while the dump still runs.
    captures = globals?.then(async (captured) => {
      await writeCaptures(temp, captured, recipients, plaintexts);
      return captured;
    }) ?? null;
    captures?.catch(() => undefined); // awaited below; do not let an early rejection go unhandled meanwhile
    hashing?.start();
    const { result, program, output: toolOutput } = await dumped.finally(() => progress?.stop());
    mark('tool exited');
    // A tool that never started handed over no stdout: age must still see the end of its input.
    if (encryptor && !encryptor.input.writableEnded) encryptor.input.end();
    const encrypted = encryptor ? await encryptor.result : null;
    if (toolOutput) log.push(`${toolName} output:\n${toolOutput}`);
    request.stop?.throwIfAborted();
    // age failing first is why the tool died (SIGPIPE): its error is the one that says what happened.
    if (encrypted && encrypted.exitCode !== 0) {
      const detail = `age: ${ageErrorLine(encrypted.spawnError?.message ?? encrypted.stderr)}`;
      throw new StepFailedError({ reason: 'encrypt-error', detail });
    }
    if (result.exitCode !== 0 || result.timedOut || result.signal) {
      const stderr = result.spawnError ? `${program}: ${result.spawnError.message}` : result.stderr;
      const failure = classifyFailure({ exitCode: result.exitCode, signal: result.signal, stderr, timedOut: result.timedOut });
      throw new StepFailedError(failure);
    }

    if (encryptor) plaintexts.set(relativeName(temp, output), encryptor.input.digest());

    if (captures) {
      const captured = await captures;
      log.push(`captured ${captured.roles.length} role(s): ${captured.roles.join(', ')}${captured.passwordsCaptured ? '' : ' (password hashes not readable by this user)'}`);
    }

    const finishedAt = request.now?.() ?? new Date();
    const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
    log.push(`finished ${finishedAt.toISOString()} in ${(durationMs / 1000).toFixed(1)} s`);
    await writeFile(join(temp, 'run.log'), log.join('\n') + '\n', { mode: 0o600 });
    const files = (await digestTree(temp, await hashing?.finish())).map((f) => {
      const plaintext = plaintexts.get(f.path);
      return plaintext ? { ...f, plaintext } : f;
    });
    const manifest = {
      formatVersion: 1, runId: record.id, definition: def.name, node: def.node.name, database, type: spec.type,
      format: spec.format, startedAt: record.startedAt, finishedAt: finishedAt.toISOString(), durationMs: Math.round(durationMs),
      pgDumpVersion: tool.version, serverVersion: server.version, argv: redactArgv(command),
      // The recipients (public keys) the files ending in .age were encrypted to: which identity decrypts them.
      ...(encryption ? { encryption } : {}),
      files,
    };
    await writeFile(join(temp, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
    const final = await finalDirectory(parent, startedAt);
    await rename(temp, final);
    mark('renamed');

    Object.assign(record, {
      status: 'succeeded', finishedAt: finishedAt.toISOString(), directory: final,
      bytes: files.reduce((n, f) => n + f.bytes, 0), files, log: log.join('\n'),
    });
  } catch (err) {
    const failure: ClassifiedFailure = request.stop?.aborted
      ? interruptedFailure(request.stop)
      : failureOf(err);
    log.push(`failed: ${failure.reason}: ${failure.detail}`);
    logger.error({ definition: def.name, database, reason: failure.reason }, failure.detail);
    // A failed run keeps its log (next to where the backup would have been) and no half dump. Each step is
    // best effort: the directory that made the run fail may be the one these would write to.
    await hashing?.stop().catch(() => undefined);
    await captures?.catch(() => undefined); // nothing may still be writing into the directory removed next
    await rm(temp, { recursive: true, force: true }).catch((e: Error) => log.push(`could not remove ${temp}: ${e.message}`));
    const failedLog = join(parent, `failed-${runDirectoryName(startedAt)}-${record.id.slice(0, 8)}.log`);
    const logWritten = await mkdir(parent, { recursive: true, mode: 0o700 })
      .then(() => writeFile(failedLog, log.join('\n') + '\n', { mode: 0o600 }))
      .then(() => true, () => false);
    Object.assign(record, {
      // For a failed run, `directory` is its log file: what retention removes after keepFailedFor.
      directory: logWritten ? failedLog : null,
      status: 'failed', finishedAt: (request.now?.() ?? new Date()).toISOString(),
      failureReason: failure.reason, failureDetail: failure.detail, log: log.join('\n'),
    });
  }
  await request.recorder.record(record);
  mark('final recorded');
  return record;
}

/**
 * roles.sql, database.sql and globals.json (the same capture as data: restore re-renders database.sql under
 * another name from it). Role captures hold password hashes: encrypted like the dump when the backup is.
 */
async function writeCaptures(temp: string, captured: CapturedGlobals, recipients: readonly string[] | null, plaintexts: Map<string, { bytes: number; sha256: string }>): Promise<void> {
  const globalsJson = { serverVersion: captured.serverVersion, database: captured.database, roleDetails: captured.roleDetails, passwordsCaptured: captured.passwordsCaptured };
  const files: Array<[string, string]> = [
    ['roles.sql', captured.rolesSql],
    ['database.sql', captured.databaseSql],
    ['globals.json', JSON.stringify(globalsJson, null, 2) + '\n'],
  ];
  await Promise.all(files.map(async ([name, text]) => {
    if (recipients) plaintexts.set(encryptedName(name), await encryptBuffer(recipients, text, join(temp, encryptedName(name))));
    else await writeFile(join(temp, name), text, { mode: 0o600 });
  }));
}

/** age writing `output`, or the run's failure when there is no age to start. */
function encryptorOrFailure(recipients: readonly string[], output: string, runId: string, stop: AbortSignal | undefined): Encryptor {
  try {
    return startEncryptor(recipients, output, { env: { ...process.env, ...runMarker(runId) }, ...(stop ? { abort: stop } : {}) });
  } catch (err) {
    if (!(err instanceof AgeNotFoundError)) throw err;
    throw new StepFailedError({ reason: 'encrypt-error', detail: err.message });
  }
}

/** A recipient in a log line: an age key in full (it is public), an SSH key by its type and comment. */
function shortRecipient(recipient: string): string {
  if (!recipient.startsWith('ssh-')) return recipient;
  const [type, , ...comment] = recipient.split(' ');
  return `${type} key${comment.length > 0 ? ` ${comment.join(' ')}` : ''}`;
}

function relativeName(root: string, path: string): string {
  return relative(root, path).split(sep).join('/');
}

/** The job was asked to stop (by the signal named in the abort reason) while this dump was in progress. */
function interruptedFailure(stop: AbortSignal): ClassifiedFailure {
  const signal = typeof stop.reason === 'string' ? stop.reason : 'a stop request';
  return { reason: 'interrupted', detail: `pgbackops run received ${signal}: the dump was stopped before it finished` };
}

/** Polls the size of the temporary directory once a second, for progress on a TTY. */
function watchBytes(dir: string, report: (bytes: number) => void): { stop(): void } {
  const timer = setInterval(() => {
    digestSize(dir).then(report, () => undefined);
  }, 1000);
  return { stop: () => clearInterval(timer) };
}

async function digestSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath ?? dir, entry.name))).size;
  }
  return total;
}

/**
 * The dump tool writing into `sink`: the file it names (the tool's own --file, else its stdout), or an
 * encryptor reading its stdout. A compressed cluster dump is pg_dumpall piped through the compression program
 * (stream-compression.ts); the result is then the failing program's (a full disk is the compressor's
 * failure, and pg_dumpall's broken pipe only follows from it), with what both wrote on stderr for the run log.
 */
async function runDump(
  tool: string, args: readonly string[], options: Omit<ProgramOptions, 'stdin' | 'stdout'>, compress: StreamProgram | null, sink: PipelineSink, runId: string,
): Promise<{ result: ProgramResult; program: string; output: string }> {
  if (!compress) {
    const result = await runProgram(tool, args, { ...options, ...('file' in sink ? { stdout: 'ignore' as const } : { stdout: 'stream' as const, onStdout: sink.onStdout }) });
    return { result, program: tool, output: result.stderr };
  }
  const pipeline = await runPipeline([
    { file: tool, args, options },
    // The compressor is stopped with the job too (marker, death signal); the pipe's end stops it otherwise.
    { file: compress.program, args: compress.args, options: { env: { ...process.env, ...runMarker(runId) }, dieWithParent: true } },
  ], sink);
  const [dumped, compressed] = pipeline.stages as [ProgramResult, ProgramResult];
  const stderr = [dumped.stderr, compressed.stderr && `${compress.program}: ${compressed.stderr}`].filter(Boolean).join('\n');
  return pipeline.failed === 1
    ? { result: compressed, program: compress.program, output: stderr }
    : { result: dumped, program: tool, output: stderr };
}
