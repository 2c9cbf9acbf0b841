// `pgbackops run DEFINITION`: take the definition's dumps, one run record per database.
//
// Order of work, chosen so that nothing is lost or half-written when the process dies at any point:
// 1. per-definition lock (an overlapping start is recorded as `skipped` and exits);
// 2. under the lock, runs of this definition still `running` belong to dead processes: mark them
//    abandoned and remove their temporary directories;
// 3. per database: record `running`, dump into `<dir>/.tmp-<run id>/` (0700 dirs, 0600 files), capture roles
//    and database settings, write the log and manifest.json with sha256 of every file, rename to the final
//    timestamped directory, record `succeeded` (or `failed` with a classified reason; the log stays).
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { captureGlobals, listDatabases } from '../adapters/postgres/capture-globals.js';
import { FileLockTimeoutError, withFileLock } from '../adapters/postgres/file-lock.js';
import { nodeClientConfig, toolProcessEnv } from '../adapters/postgres/node-connection.js';
import { findTool, serverMajor } from '../adapters/postgres/tools.js';
import { digestTree } from '../adapters/fs/file-digest.js';
import type { Logger } from '../adapters/logger.js';
import { classifyFailure } from '../core/dump/classify-failure.js';
import { STDOUT, buildDumpCommand, redactArgv } from '../core/dump/dump-command.js';
import type { BackupServerSpec } from '../core/model.js';
import { runDirectoryName, type RunRecord } from '../core/runs/run-record.js';
import { approximateMilliseconds, parseDuration } from '../core/time/duration.js';
import type { CachedDefinition } from '../engine/definition-cache.js';
import type { RunRecorder } from './run-recorder.js';

export interface RunRequest {
  stateDir: string;
  server: string;
  serverSpec: BackupServerSpec;
  definition: CachedDefinition;
  /** Only this database (must be one the definition covers, or any database for `databases: all`). */
  database?: string;
  recorder: RunRecorder;
  logger: Logger;
  /** Called as work progresses (for a TTY progress line). */
  onProgress?: (event: RunProgress) => void;
  now?: () => Date;
}

export type RunProgress =
  | { kind: 'start'; database: string | null }
  | { kind: 'bytes'; database: string | null; bytes: number }
  | { kind: 'done'; record: RunRecord };

export interface RunOutcome {
  records: RunRecord[];
  /** Where the records went. */
  recordedIn: 'catalog' | 'spool';
}

export async function runBackup(request: RunRequest): Promise<RunOutcome> {
  const { definition: def, stateDir } = request;
  const lockPath = join(stateDir, 'locks', `${def.name}.lock`);
  await mkdir(join(stateDir, 'locks'), { recursive: true, mode: 0o700 });
  // Backup files and roles dumps (password hashes) must never be readable by others.
  const previousUmask = process.umask(0o077);
  try {
    return await withFileLock(lockPath, `pgbackops run ${def.name}`, 0, () => runLocked(request));
  } catch (err) {
    if (!(err instanceof FileLockTimeoutError)) throw err;
    const skipped = baseRecord(request, null, request.now?.() ?? new Date());
    Object.assign(skipped, {
      status: 'skipped', finishedAt: skipped.startedAt, failureReason: 'overlap',
      failureDetail: 'another run of this definition is still in progress', log: err.message,
    });
    await request.recorder.record(skipped);
    return { records: [skipped], recordedIn: request.recorder.mode };
  } finally {
    process.umask(previousUmask);
  }
}

async function runLocked(request: RunRequest): Promise<RunOutcome> {
  const { definition: def, logger } = request;
  const abandoned = await request.recorder.abandonRunning(request.server, def.name);
  if (abandoned.length > 0) logger.warn({ definition: def.name, runs: abandoned }, 'marked runs left running by a dead process as abandoned');
  await removeTemporaryDirectories(definitionRoot(request));

  const records: RunRecord[] = [];
  const databases = await databasesToDump(request);
  for (const database of databases) {
    const record = await dumpOne(request, database);
    records.push(record);
    request.onProgress?.({ kind: 'done', record });
  }
  records.push(...(await reportVanishedDatabases(request, databases)));
  return { records, recordedIn: request.recorder.mode };
}

/**
 * `databases: all` follows the node: a new database is picked up, and one that was backed up last time but
 * is gone now is reported as a failed run (once: its latest run is then no longer a success), never
 * silently dropped. Its earlier backups stay (retention keeps everything of a group whose last run failed).
 */
async function reportVanishedDatabases(request: RunRequest, dumped: ReadonlyArray<string | null>): Promise<RunRecord[]> {
  const { backup } = request.definition;
  if (backup.databases !== 'all' || request.database) return [];
  const now = new Set(dumped);
  const excluded = new Set(backup.exclude);
  const vanished = (await request.recorder.databasesLastSucceeded(request.server, request.definition.name))
    .filter((d) => !now.has(d) && !excluded.has(d));
  const out: RunRecord[] = [];
  for (const database of vanished) {
    const at = request.now?.() ?? new Date();
    const record = baseRecord(request, database, at);
    Object.assign(record, {
      status: 'failed', finishedAt: at.toISOString(), failureReason: 'database-missing',
      failureDetail: `database "${database}" was backed up by the previous run but no longer exists on node ${request.definition.node.name}`,
    });
    record.log = record.failureDetail;
    await request.recorder.record(record);
    out.push(record);
  }
  return out;
}

async function databasesToDump(request: RunRequest): Promise<Array<string | null>> {
  const { backup, node } = request.definition;
  if (backup.type === 'cluster') return [null];
  if (backup.databases !== 'all') {
    const wanted = request.database ? backup.databases.filter((d) => d === request.database) : backup.databases;
    if (request.database && wanted.length === 0) {
      throw new Error(`definition ${request.definition.name} does not back up database "${request.database}" (it covers: ${backup.databases.join(', ')})`);
    }
    return wanted;
  }
  if (request.database) return [request.database];
  const excluded = new Set(backup.exclude);
  return (await listDatabases(node)).filter((d) => !excluded.has(d));
}

function baseRecord(request: RunRequest, database: string | null, startedAt: Date): RunRecord {
  const { definition: def } = request;
  return {
    id: randomUUID(),
    definition: def.name,
    node: def.node.name,
    backupServer: request.server,
    database,
    status: 'running',
    startedAt: startedAt.toISOString(),
    finishedAt: null,
    directory: null,
    bytes: null,
    files: null,
    pgDumpVersion: null,
    serverVersion: null,
    failureReason: null,
    failureDetail: null,
    log: null,
    retention: def.retention,
    timezone: def.backup.timezone,
    backupType: def.backup.type,
    format: def.backup.format,
  };
}

function definitionRoot(request: RunRequest): string {
  const root = request.serverSpec.backupRoot;
  const backupRoot = isAbsolute(root) ? root : resolve(request.stateDir, root);
  return join(backupRoot, request.definition.node.name, request.definition.name);
}

/** `_cluster` cannot collide with a database directory: database directories are prefixed `db-`. */
function databaseDirName(database: string | null): string {
  return database === null ? '_cluster' : `db-${encodeURIComponent(database)}`;
}

async function dumpOne(request: RunRequest, database: string | null): Promise<RunRecord> {
  const { definition: def, logger } = request;
  const startedAt = request.now?.() ?? new Date();
  const record = baseRecord(request, database, startedAt);
  await request.recorder.record(record);
  request.onProgress?.({ kind: 'start', database });

  const parent = join(definitionRoot(request), databaseDirName(database));
  const temp = join(parent, `.tmp-${record.id}`);
  const log: string[] = [`run ${record.id} of ${def.name} (${def.backup.type}) on node ${def.node.name}, database ${database ?? '(cluster)'}`, `started ${record.startedAt}`];
  const started = process.hrtime.bigint();
  try {
    await mkdir(temp, { recursive: true, mode: 0o700 });
    const connectDb = database ?? def.node.maintenanceDatabase;
    const server = await withClient(nodeClientConfig(def.node, connectDb), serverMajor);
    record.serverVersion = server.version;
    const toolName = def.backup.type === 'cluster' ? 'pg_dumpall' : 'pg_dump';
    const tool = await findTool(toolName, server.major, request.serverSpec.pgBinDirs);
    record.pgDumpVersion = tool.version;
    log.push(`server ${server.version}; using ${tool.path} (${tool.version})`);

    const output = join(temp, dumpFileName(def));
    // A single-file dump goes through this process on its way to disk so its sha256 is computed as it is
    // written, not in a second pass over the file. Directory-format dumps are many files: hashed after.
    const streamed = def.backup.format !== 'directory' || def.backup.type === 'cluster';
    const command = buildDumpCommand(def.backup, def.node, database, streamed ? STDOUT : output, tool.major);
    log.push(`argv: ${redactArgv(command).join(' ')}${streamed ? ` (stdout written to ${dumpFileName(def)})` : ''}`);
    const timeout = def.backup.timeout ? parseDuration(def.backup.timeout) : null;
    const timeoutMs = timeout ? approximateMilliseconds(timeout) : undefined;
    const progress = request.onProgress ? watchBytes(temp, (bytes) => request.onProgress?.({ kind: 'bytes', database, bytes })) : null;
    // Roles and database settings are captured on their own connection while pg_dump runs, so their cost
    // hides behind the dump's.
    const globals = database === null ? null : captureGlobals(def.node, database);
    globals?.catch(() => undefined); // awaited below; do not let an early rejection go unhandled meanwhile
    const child = execa(tool.path, command.args, {
      // Only the node's libpq settings and LC_MESSAGES=C: a PGPASSWORD or PGOPTIONS exported in the caller's
      // shell must not change how the node is reached, and English messages keep failures classifiable.
      env: toolProcessEnv(command.env),
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      stdout: streamed ? 'pipe' : 'ignore',
      buffer: { stdout: false, stderr: true },
      ...(timeoutMs ? { timeout: timeoutMs, killSignal: 'SIGTERM' as const } : {}),
    });
    const written = streamed ? writeHashed(child.stdout!, output) : null;
    written?.catch(() => undefined); // a failed dump is reported from the exit status below
    const result = await child.finally(() => progress?.stop());
    if (result.stderr) log.push(`${toolName} output:\n${result.stderr}`);
    if (result.exitCode !== 0 || result.timedOut || result.signal) {
      const failure = classifyFailure({ exitCode: result.exitCode ?? null, signal: result.signal ?? null, stderr: String(result.stderr ?? ''), timedOut: Boolean(result.timedOut) });
      throw Object.assign(new Error(failure.detail), { failure });
    }
    const knownDigests = new Map<string, { bytes: number; sha256: string }>();
    if (written) knownDigests.set(dumpFileName(def), await written);

    if (globals) {
      const captured = await globals;
      await writeFile(join(temp, 'roles.sql'), captured.rolesSql, { mode: 0o600 });
      await writeFile(join(temp, 'database.sql'), captured.databaseSql, { mode: 0o600 });
      // The same capture as data: restore re-renders database.sql under another name from it.
      const globalsJson = { serverVersion: captured.serverVersion, database: captured.database, roleDetails: captured.roleDetails, passwordsCaptured: captured.passwordsCaptured };
      await writeFile(join(temp, 'globals.json'), JSON.stringify(globalsJson, null, 2) + '\n', { mode: 0o600 });
      log.push(`captured ${captured.roles.length} role(s): ${captured.roles.join(', ')}${captured.passwordsCaptured ? '' : ' (password hashes not readable by this user)'}`);
    }

    const finishedAt = request.now?.() ?? new Date();
    const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
    log.push(`finished ${finishedAt.toISOString()} in ${(durationMs / 1000).toFixed(1)} s`);
    await writeFile(join(temp, 'run.log'), log.join('\n') + '\n', { mode: 0o600 });
    const files = await digestTree(temp, knownDigests);
    const manifest = {
      formatVersion: 1, runId: record.id, definition: def.name, node: def.node.name, database, type: def.backup.type,
      format: def.backup.format, startedAt: record.startedAt, finishedAt: finishedAt.toISOString(), durationMs: Math.round(durationMs),
      pgDumpVersion: tool.version, serverVersion: server.version, argv: redactArgv(command), files,
    };
    await writeFile(join(temp, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
    const final = await finalDirectory(parent, startedAt);
    await rename(temp, final);

    Object.assign(record, {
      status: 'succeeded', finishedAt: finishedAt.toISOString(), directory: final,
      bytes: files.reduce((n, f) => n + f.bytes, 0), files, log: log.join('\n'),
    });
  } catch (err) {
    const failure = (err as { failure?: { reason: string; detail: string } }).failure
      ?? classifyFailure({ exitCode: null, signal: null, stderr: (err as Error).message, timedOut: false });
    log.push(`failed: ${failure.reason}: ${failure.detail}`);
    logger.error({ definition: def.name, database, reason: failure.reason }, failure.detail);
    // A failed run keeps its log (next to where the backup would have been) and no half dump.
    await rm(temp, { recursive: true, force: true });
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
  return record;
}

/** Copies a stream to a new 0600 file, returning its size and sha256. */
async function writeHashed(source: NodeJS.ReadableStream, path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  await pipeline(
    source,
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    }),
    createWriteStream(path, { mode: 0o600, flags: 'wx' }),
  );
  return { bytes, sha256: hash.digest('hex') };
}

function dumpFileName(def: CachedDefinition): string {
  if (def.backup.type === 'cluster' || def.backup.format === 'plain') return 'dump.sql';
  return def.backup.format === 'directory' ? 'dump' : 'dump.pgdump';
}

/** The timestamped directory for a run; a second run in the same second gets a suffix. */
async function finalDirectory(parent: string, startedAt: Date): Promise<string> {
  const base = runDirectoryName(startedAt);
  const existing = new Set(await readdir(parent));
  let name = base;
  for (let i = 2; existing.has(name); i++) name = `${base}-${i}`;
  return join(parent, name);
}

async function removeTemporaryDirectories(root: string): Promise<void> {
  let databases: string[];
  try {
    databases = await readdir(root);
  } catch {
    return;
  }
  for (const db of databases) {
    const dir = join(root, db);
    const entries = await readdir(dir).catch(() => [] as string[]);
    for (const e of entries) if (e.startsWith('.tmp-')) await rm(join(dir, e), { recursive: true, force: true });
  }
}

async function withClient<T>(config: pg.ClientConfig, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
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

