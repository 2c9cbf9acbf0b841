// `pgbackops restore ID --to-dir DIR` for a base backup: restore the whole cluster into DIR on this machine
// and recover it to a target with the node's WAL archive (docs/restore.md, "Physical backups").
//
// Order of work:
// 1. refuse a --start port already taken (TCP, or the socket it would use) before anything is read; then
//    gather facts without changing anything: the backup's recorded WAL range, its files against their sizes and
//    checksums (the tars' sha256 only with --dry-run: otherwise while they are extracted, step 2), DIR, the archive's segments, the server binaries of the backup's major version, who would run
//    the copy; plan (src/core/methods/basebackup/directory-restore-plan.ts): any refusal stops here, as does
//    --dry-run or a cancel;
// 2. record the restore as running; create DIR (or use the empty one), extract base.tar and pg_wal.tar (hashed
//    at the same time: a tar that does not match its sha256 fails the restore here, undone), append
//    the recovery settings to postgresql.auto.conf, create recovery.signal, hand the files to DIR's owner;
// 3. with --start: pg_ctl start as DIR's owner, wait until recovery promoted the copy (its log says "ready to
//    accept connections") or failed, and read from the log the point reached (src/methods/physical/
//    start-restored-cluster.ts, shared with the pgbackrest method);
// 4. on failure undo only what this restore created: the server it started is stopped, the files it extracted
//    (DIR itself when it created it) removed; the log keeps what happened. Record the outcome.
import { envSetting } from '../../adapters/os/environment.js';
import { randomUUID } from 'node:crypto';
import { appendFile, chmod, chown, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Catalog } from '../../adapters/catalog/catalog.js';
import type { BackupRow } from '../../adapters/catalog/report-queries.js';
import { executorId } from '../../adapters/os/process-alive.js';
import { isRoot } from '../../adapters/os/os-user.js';
import { runProgram } from '../../adapters/os/run-program.js';
import { findTool } from '../../adapters/postgres/tools.js';
import { planDirectoryRestore, type DirectoryRestoreFacts, type TablespacePlacement } from '../../core/methods/basebackup/directory-restore-plan.js';
import { basebackupFactsOf } from '../../core/methods/basebackup/facts.js';
import { NO_ARCHIVE_RESTORE_COMMAND, recoverySettings, restoreCommand } from '../../core/methods/basebackup/recovery-settings.js';
import type { BackupServerSpec } from '../../core/model.js';
import { describeRecoveryTarget, type DirectoryRestoreResult } from '../../core/restore/directory-restore.js';
import type { RestoreRecord } from '../../core/restore/restore-record.js';
import { summariseArchive } from '../../core/wal/archive-range.js';
import { DEFAULT_WAL_SEGMENT_SIZE } from '../../core/wal/wal-segment.js';
import { launcherPath } from '../../runtime/settings.js';
import { restoreRecorder } from '../../jobs/restore-recorder.js';
import { checksumProblem, verifyBackupFiles } from '../../jobs/verify-files.js';
import { sha256File } from '../../adapters/fs/file-digest.js';
import type { DirectoryRestoreOutcome, DirectoryRestoreRequest } from '../method.js';
import { readArchiveHead } from './archive-head.js';
import { refuseTakenPort, restoredSocketDirectory, startRestoredCluster, StartRestoredClusterError, stopRestoredCluster } from '../physical/start-restored-cluster.js';
import { listArchive } from './wal-archive.js';
import { readTimelineHistories } from './timeline-histories.js';
import { DEFAULT_TARGET_TIMELINE, resolveTargetTimeline } from '../../core/wal/timeline-history.js';
import { walArchiveDirectory } from './wal-archive-layout.js';
import { backupTarPart, backupTars, extractBackup, readTarMember } from './tar-files.js';
import { parseTablespaceMap, renderTablespaceMap } from '../../core/methods/basebackup/tablespace-map.js';
import { mapTablespaces } from '../../core/restore/tablespace-placements.js';
import { directoryState } from '../physical/directory-state.js';
import { undoDirectoryRestore } from '../physical/undo-directory-restore.js';
import { recoveryListener, whileReading } from '../restore-progress.js';

export async function restoreBasebackupToDirectory(catalog: Catalog, request: DirectoryRestoreRequest): Promise<DirectoryRestoreOutcome> {
  const now = request.now ?? (() => new Date());
  const started = process.hrtime.bigint();
  const startedAt = now();
  const { backup } = request;
  // A taken port is refused before anything is read: found at the start, it would cost the whole extraction.
  if (request.options.start) await refuseTakenPort(request.options.toDir, request.options.start.port);
  const snapshot = await catalog.readSnapshot();
  const server = snapshot.objects.find((o) => o.kind === 'BackupServer' && o.name === backup.backupServer)?.spec as BackupServerSpec | undefined;
  const facts = await gatherFacts(backup, request, server);
  // Seconds since the restore started, in the log: where a restore's time (its RTO) goes.
  const at = () => `${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(2)} s`;
  const checkedAt = at();
  const plan = planDirectoryRestore(facts, request.options.target);
  if (request.dryRun || plan.refusals.length > 0) return { plan, record: null, recordedIn: null, result: null };
  if (request.confirm && !(await request.confirm(plan))) return { plan, record: null, recordedIn: null, result: null };

  const recorder = restoreRecorder(request.stateDir, catalog.restores, request.logger);
  const toDir = request.options.toDir;
  const record: RestoreRecord = {
    id: randomUUID(), purpose: request.purpose, backupRunId: backup.id, definition: backup.definition, sourceDatabase: null,
    backupType: null, format: null, targetNode: null, targetDatabase: null, renamedExistingTo: null,
    status: 'running', startedAt: startedAt.toISOString(), finishedAt: null, failureReason: null, log: null,
    pgRestoreVersion: null, serverVersion: backup.serverVersion, createdRoles: [], createdDatabases: [], actor: request.actor,
    executor: executorId(hostname()), method: 'basebackup', targetDir: toDir,
    recoveryTarget: describeRecoveryTarget(request.options.target), methodFacts: null,
  };
  await recorder.record(record);
  const log: string[] = [`restore ${record.id} of backup ${backup.id} (basebackup of ${backup.node}) into ${toDir}, target ${record.recoveryTarget}; checked at ${checkedAt}`];
  const createdDir = facts.toDirState.kind === 'absent';
  const createdSpaces: string[] = [];
  let serverStarted = false;
  let result: DirectoryRestoreResult | null = null;
  const pgCtl = 'error' in facts.pgCtl ? null : facts.pgCtl;
  try {
    if (createdDir) await mkdir(toDir, { mode: 0o700 });
    // PostgreSQL refuses a data directory that others can read.
    await chmod(toDir, 0o700);
    // DIR's owner runs the copy; a DIR this restore creates belongs to the owner of its parent directory.
    const owner = await stat(createdDir ? dirname(toDir) : toDir);
    await placeTablespaces(toDir, facts.tablespaces ?? [], createdSpaces);
    // Progress: how far tar (or its decompressor) has read the tars; this process's hashing read is not counted.
    const tars = (backup.files ?? []).map((f) => f.path).filter(extractedTar);
    await whileReading(request.onProgress, `extracting ${tars.join(', ')}`, tars.map((t) => join(backup.directory!, t)), 'positions', false,
      () => extractChecked(backup, toDir, facts.checksumsWhileExtracting ?? [], facts.tablespaces ?? []));
    await rewriteTablespaceMap(toDir, facts.tablespaces ?? []);
    for (const t of facts.tablespaces ?? []) log.push(`tablespace ${t.oid} (${t.location} in the backup) extracted into ${t.to} (${createdSpaces.includes(t.to!) ? 'created' : 'was empty'}); tablespace_map rewritten`);
    log.push(`extracted ${backup.directory} into ${toDir}${facts.checksumsWhileExtracting?.length ? `; sha256 of ${facts.checksumsWhileExtracting.join(', ')} matched` : ''} (at ${at()})`);
    await completeConfiguration(toDir);
    const start = request.options.start;
    const socketDirectory = start ? restoredSocketDirectory(toDir) : undefined;
    const pgbackops = [process.execPath, envSetting('binary') ?? launcherPath()];
    const settings = recoverySettings({
      target: request.options.target,
      restoreCommand: request.options.target.kind === 'end' && !(await isDirectory(facts.archiveDir)) ? NO_ARCHIVE_RESTORE_COMMAND : restoreCommand(pgbackops, facts.archiveDir), timeline: plan.timeline?.timeline ?? 'current',
      ...(start ? { port: start.port, socketDirectory: socketDirectory! } : {}),
    }, `pgbackops restore ${record.id} of backup ${backup.id}, ${startedAt.toISOString()}: recovery settings`);
    await appendFile(join(toDir, 'postgresql.auto.conf'), `\n${settings}`, { mode: 0o600 });
    await rm(join(toDir, 'standby.signal'), { force: true });
    await writeFile(join(toDir, 'recovery.signal'), '', { mode: 0o600 });
    log.push(`recovery settings appended to postgresql.auto.conf (at ${at()}):\n${settings.trimEnd()}`);
    if (isRoot() && owner.uid !== 0) {
      await chownTree(toDir, owner.uid, owner.gid);
      for (const t of facts.tablespaces ?? []) await chownTree(t.to!, owner.uid, owner.gid);
    }
    log.push(`handed to its owner; starting (at ${at()})`);
    request.onProgress?.({ step: 'writing the recovery settings', bytes: null, total: null });

    if (start && pgCtl) {
      serverStarted = true;
      const target = request.options.target;
      const onLog = recoveryListener(request.onProgress, facts.backup.facts?.startLsn ?? null,
        target.kind === 'lsn' ? target.lsn : target.kind === 'end' ? facts.backup.facts?.stopLsn ?? null : null, facts.backup.facts?.walSegmentSize ?? DEFAULT_WAL_SEGMENT_SIZE);
      const recovered = await startRestoredCluster(pgCtl.path, toDir, start.port, onLog).catch((err: Error) => {
        if (err instanceof StartRestoredClusterError) log.push(`server log:\n${err.log.trim()}`);
        throw err;
      });
      log.push(`server log:\n${recovered.log.trim()}`);
      const recoveryTimeMs = Math.round(Number(process.hrtime.bigint() - started) / 1e6);
      result = { reached: recovered.reached, started: { port: start.port, dataDirectory: toDir }, recoveryTimeMs };
      log.push(`recovered to ${result.reached?.lsn ?? '?'} (${result.reached?.time ?? 'no transaction replayed'}); running on port ${start.port}; ${(recoveryTimeMs / 1000).toFixed(1)} s from the start of the restore`);
    } else {
      result = { reached: null, started: null, recoveryTimeMs: null };
    }
    Object.assign(record, {
      status: 'succeeded', finishedAt: now().toISOString(), log: log.join('\n'),
      methodFacts: { reached: result.reached, port: result.started?.port ?? null, recoveryTimeMs: result.recoveryTimeMs, archiveDir: facts.archiveDir },
    });
  } catch (err) {
    const message = (err as Error).message;
    log.push(`failed: ${message}`);
    request.logger.error({ restore: record.id, backup: backup.id }, message);
    if (serverStarted && pgCtl) await stopRestoredCluster(pgCtl.path, toDir, 'immediate').catch((e: Error) => log.push(`could not stop the restored server: ${e.message}`));
    // Only what this restore created: DIR itself when it made it, else what it extracted into the empty DIR;
    // the tablespaces' locations likewise.
    await undoDirectoryRestore({ path: toDir, created: createdDir },
      (facts.tablespaces ?? []).flatMap((t) => (t.to === null ? [] : [{ path: t.to, created: createdSpaces.includes(t.to) }])), log);
    Object.assign(record, { status: 'failed', finishedAt: now().toISOString(), failureReason: message.split('\n')[0], log: log.join('\n') });
  }
  await recorder.record(record);
  return { plan, record, recordedIn: recorder.mode, result };
}

async function gatherFacts(backup: BackupRow, request: DirectoryRestoreRequest, server: BackupServerSpec | undefined): Promise<DirectoryRestoreFacts> {
  const facts = basebackupFactsOf(backup.methodFacts);
  const toDir = request.options.toDir;
  const root = server ? (isAbsolute(server.backupRoot) ? server.backupRoot : resolve(request.stateDir, server.backupRoot)) : null;
  const archiveDir = root ? walArchiveDirectory(root, backup.node) : '(unknown: the backup server is not in the catalog)';
  const segmentSize = facts?.walSegmentSize ?? DEFAULT_WAL_SEGMENT_SIZE;
  const major = backup.serverVersion ? Number(backup.serverVersion.split('.')[0]) : 0;
  const pgCtl = await findTool('pg_ctl', major, server?.pgBinDirs).then((t) => ({ path: t.path, version: t.version, major: t.major }), (err: Error) => ({ error: err.message }));
  // The tars are read to be extracted anyway: their sha256 is compared on that read (extractChecked), not on one
  // of its own first. A dry run, which extracts nothing, reads them for it.
  const later = request.dryRun ? [] : (backup.files ?? []).map((f) => f.path).filter(extractedTar);
  const files = backup.status === 'succeeded' && backup.directory
    ? (await verifyBackupFiles(backup.directory, backup.files, backup.backupServer, { checksumLater: (p) => later.includes(p) })).problems
    : [];
  const start = request.options.start ? await startOwner(toDir, request.options.start.port) : null;
  const spaces = backup.status === 'succeeded' && backup.directory ? await tablespacesOf(backup.directory, request.options) : { placements: [], unknown: [] };
  const archive = summariseArchive(root ? await listArchive(archiveDir) : [], segmentSize);
  // The timelines' histories: which timeline recovery ends on and along which it gets there.
  const { histories, problems: historyProblems } = await readTimelineHistories(archiveDir, archive);
  const targetTimeline = request.options.timeline ?? DEFAULT_TARGET_TIMELINE;
  const endsOn = facts ? resolveTargetTimeline(targetTimeline, facts.timeline, archive).timeline : null;
  // The newest commit in the archive on that timeline, read with pg_waldump: what a time target can reach.
  const head = root && request.options.target.kind !== 'end' && endsOn !== null
    ? await readArchiveHead(archiveDir, { major, segmentSize, timeline: endsOn, ...(server?.pgBinDirs ? { pgBinDirs: server.pgBinDirs } : {}) }).catch(() => null)
    : null;
  return {
    backup: { id: backup.id, node: backup.node, definition: backup.definition, status: backup.status, serverVersion: backup.serverVersion, facts },
    toDir, toDirState: await directoryState(toDir), fileProblems: files, checksumsWhileExtracting: later, archiveDir,
    archive, histories, historyProblems, targetTimeline, head, pgCtl, start, tablespaces: spaces.placements, unknownTablespaceMappings: spaces.unknown,
  };
}

/**
 * The backup's tablespaces: its <OID>.tar files, their locations from base.tar's tablespace_map, and where each
 * is to go (--tablespace-map; the others under --tablespace-map-all or verify's temporary directory), with what is there now.
 */
async function tablespacesOf(directory: string, options: DirectoryRestoreRequest['options']): Promise<{ placements: TablespacePlacement[]; unknown: string[] }> {
  const tars = await backupTars(directory);
  const spaces = tars.filter((t) => t.part !== 'base' && t.part !== 'pg_wal');
  const mappings = options.tablespaceMap ?? [];
  if (spaces.length === 0) return { placements: [], unknown: mappings.map((m) => m.from) };
  const base = tars.find((t) => t.part === 'base');
  const map = base ? parseTablespaceMap((await readTarMember(join(directory, base.name), 'tablespace_map')) ?? '') : [];
  const mapped = mapTablespaces(spaces.map((t) => ({ oid: t.part, source: t.name, location: map.find((e) => e.oid === t.part)?.location ?? null })), mappings);
  const placements = await Promise.all(mapped.placements.map(async (t) => {
    const to = t.to ?? (options.tablespacesUnder !== undefined ? join(options.tablespacesUnder, t.oid) : null);
    return { ...t, to, toState: to === null ? null : await directoryState(to) };
  }));
  return { placements, unknown: mapped.unknown };
}

/**
 * Creates the tablespaces' new locations (those absent) and rewrites the restored tablespace_map with them:
 * PostgreSQL makes the pg_tblspc/<OID> links from it when recovery starts. Returns the directories created.
 */
async function placeTablespaces(toDir: string, placements: readonly TablespacePlacement[], created: string[]): Promise<void> {
  for (const t of placements) {
    if (t.toState?.kind === 'absent') {
      await mkdir(t.to!, { mode: 0o700 });
      created.push(t.to!);
    }
    await chmod(t.to!, 0o700);
  }
}

async function rewriteTablespaceMap(toDir: string, placements: readonly TablespacePlacement[]): Promise<void> {
  if (placements.length === 0) return;
  const file = join(toDir, 'tablespace_map');
  const entries = parseTablespaceMap(await readFile(file, 'utf8'));
  const moved = entries.map((e) => ({ oid: e.oid, location: placements.find((t) => t.oid === e.oid)?.to ?? e.location }));
  await writeFile(file, renderTablespaceMap(moved), { mode: 0o600 });
}

/** The tars extractBackup reads: base.tar* and pg_wal.tar*. */
/** base, pg_wal and each tablespace's tar: what the extraction reads. */
function extractedTar(path: string): boolean {
  return backupTarPart(path) !== null;
}

/**
 * Extracts the backup into DIR while the tars named in `checked` are hashed by a read of their own beside tar's
 * (from the page cache: the two reads run at once, so the hash no longer comes before the extraction). A tar
 * that does not match fails the restore (whose undo removes what was extracted) before any recovery setting
 * is written or the server started; when tar itself fails on a tar that does not match, the mismatch is the
 * reason given: tar's complaint about a corrupted stream says less. (Piping one read through this process into
 * tar was slower on a loaded machine: one more process to schedule between the file and tar.)
 */
async function extractChecked(backup: BackupRow, toDir: string, checked: readonly string[], tablespaces: readonly TablespacePlacement[]): Promise<void> {
  const directory = backup.directory!;
  const recorded = (name: string) => (backup.files ?? []).find((f) => f.path === name)!;
  // Caught at once: a failed read must not be an unhandled rejection while tar runs.
  const hashes = checked.map(async (name) => {
    const path = join(directory, name);
    return checksumProblem(recorded(name), { bytes: (await stat(path)).size, sha256: await sha256File(path) });
  }).map((h) => h.catch((err: Error) => `${err.message}`));
  const extracted = await extractBackup(directory, toDir, { tablespace: (oid) => tablespaces.find((t) => t.oid === oid)?.to ?? null }).then(() => null, (err: Error) => err);
  const problems = (await Promise.all(hashes)).filter((p): p is string => p !== null);
  if (problems.length > 0) throw new Error(`the backup's files do not match their checksums: ${problems.join('; ')}${extracted ? ` (tar: ${extracted.message.split('\n')[0]})` : ''}`);
  if (extracted) throw extracted;
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

/** Who runs the restored server: the owner of DIR, or of its parent when DIR is to be created. */
async function startOwner(dir: string, port: number): Promise<NonNullable<DirectoryRestoreFacts['start']>> {
  const uid = (await stat(dir).catch(() => stat(dirname(dir))).catch(() => null))?.uid ?? process.getuid?.() ?? 0;
  const name = await runProgram('id', ['-nu', String(uid)]).then((r) => (r.exitCode === 0 ? r.stdout.trim() : `uid ${uid}`));
  return { port, owner: name, ownerIsRoot: uid === 0 };
}

/**
 * A cluster whose configuration files live outside its data directory (Debian keeps them in /etc) has none
 * in its backup: the restored copy gets minimal ones (defaults, and local connections for its OS user only).
 */
async function completeConfiguration(dir: string): Promise<void> {
  const missing = async (name: string) => !(await stat(join(dir, name)).catch(() => null));
  if (await missing('postgresql.conf')) await writeFile(join(dir, 'postgresql.conf'), '# written by pgbackops restore: the backup held no postgresql.conf\n', { mode: 0o600 });
  if (await missing('pg_hba.conf')) await writeFile(join(dir, 'pg_hba.conf'), '# written by pgbackops restore: the backup held no pg_hba.conf\nlocal all all peer\n', { mode: 0o600 });
  if (await missing('pg_ident.conf')) await writeFile(join(dir, 'pg_ident.conf'), '', { mode: 0o600 });
}

async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await chown(dir, uid, gid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(path, uid, gid);
    else await chown(path, uid, gid).catch((err: NodeJS.ErrnoException) => { if (!entry.isSymbolicLink()) throw err; });
  }
}
