// `pgbackops restore <backup-id> --to-node NODE`: restore one backup run into a node, safely.
//
// Order of work:
// 1. gather facts without changing anything: the backup row (catalog), its files against the manifest
//    checksums, the roles and databases it needs (globals.json, or the cluster script itself), the target
//    node's version, databases and roles, the client tool to load with;
// 2. plan (src/core/restore/restore-plan.ts): any refusal stops here, as does --dry-run;
// 3. take the lock of the target database name(s) on the target cluster (restore-target-lock.ts: a restore
//    aimed at the same database fails at once, naming the one in progress) and plan again from what the
//    target holds now: any change since the plan refuses the restore (plan-recheck.ts);
// 4. record the restore as running, then: rename an existing database out of the way (--rename-existing),
//    create the missing roles (their roles.sql blocks, in one transaction), create the database (its
//    CREATE DATABASE alone, then the rest of database.sql re-rendered for the target name), load the dump
//    (pg_restore --exit-on-error, or psql ON_ERROR_STOP=1 for plain and cluster dumps);
// 5. on failure undo only what this restore proved it created, newest first (UndoLog): drop the database and
//    the roles whose CREATE succeeded in this process, give a renamed database its name back; the log says
//    what was undone and what could not be. A trial restore (verify --restore) undoes the same way after it
//    succeeded, still under the lock;
// 6. record the outcome (catalog, or the local spool when the catalog went away).
//
// An encrypted backup (docs/encryption.md) needs the age identity file: its small files are decrypted into
// memory while facts are gathered (a wrong identity is refused there, before the target is touched), and
// the dump streams from `age -d` into psql or pg_restore; age's own exit status is checked after the load,
// so a file that fails authentication half-way fails the restore (and is undone) even if the tool took
// the truncated input.
import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import type { Catalog } from '../../adapters/catalog/catalog.js';
import type { BackupRow } from '../../adapters/catalog/report-queries.js';
import { executorId, isProcessAlive } from '../../adapters/os/process-alive.js';
import { findTool, type PgTool } from '../../adapters/postgres/tools.js';
import type { GlobalsCapture } from '../../core/dump/globals.js';
import { renderCreateDatabase, renderDatabaseProperties } from '../../core/dump/render-database-sql.js';
import { splitRolesSql } from '../../core/dump/render-roles-sql.js';
import { CLUSTER_DUMP_FILE, clusterDumpFileIn } from '../../core/dump/stream-compression.js';
import type { BackupServerSpec, NodeSpec } from '../../core/model.js';
import { ClusterScriptScanner } from '../../core/restore/cluster-script.js';
import { creationMarkerCommand, readCreationMarkers, withoutCreationMarkers } from '../../core/restore/creation-markers.js';
import { changesSincePlan } from '../../core/restore/plan-recheck.js';
import type { RestoreRecord } from '../../core/restore/restore-record.js';
import { majorOf, planRestore, type BackupFacts, type RestorePlan, type TargetFacts } from '../../core/restore/restore-plan.js';
import { restoreRecorder } from '../../jobs/restore-recorder.js';
import { RestoreRefusedError, type RestoreOutcome, type RestoreProgressListener, type RestoreRequest } from '../method.js';
import { dropDatabase, dropRole, queryTargetState, readTargetState, renameDatabase, runPgRestore, runPsql, type TargetState } from './restore-target.js';
import { lockRestoreTargets, RestoreTargetBusyError, type RestoreTargetLock } from './restore-target-lock.js';
import { verifyBackupFiles } from '../../jobs/verify-files.js';
import { nodeSpecOf, serverSpecOf } from '../../core/objects.js';
import { readClusterDump } from './cluster-dump-reader.js';
import { AgeDecryptError } from '../../adapters/age/age-cli.js';
import { AGE_SUFFIX } from '../../core/encryption/age-command.js';
import type { EncryptionSpec } from '../../core/model.js';
import { BackupSource } from './backup-source.js';
import { whileReading } from '../restore-progress.js';

/** Plans, and unless dryRun or refused, restores. A refused restore is recorded as failed (nothing changed). */
export async function restoreBackup(catalog: Catalog, request: RestoreRequest): Promise<RestoreOutcome> {
  const now = request.now ?? (() => new Date());
  const snapshot = await catalog.readSnapshot();
  const node = nodeSpecOf(snapshot.objects, request.targetNode);
  if (!node) throw new RestoreRefusedError(`node ${request.targetNode} is not in the catalog`);
  // The backup server's configured client tool directories, as for backups (the files are on that server).
  const binDirs = serverSpecOf(snapshot.objects, request.backup.backupServer)?.pgBinDirs;

  const { backup: facts, globals } = await backupFacts(request.backup, request.identityFile);
  const target = await readTargetState(node).catch((err: Error) => err);
  const tool = target instanceof Error ? target : await loadTool(facts, request.backup, target, binDirs).catch((err: Error) => err);
  const targetFacts: TargetFacts = target instanceof Error
    ? { node: request.targetNode, serverVersion: null, error: target.message, databases: [], tablespaces: [], roles: [], tool: { error: 'target not reachable' } }
    : {
        node: request.targetNode, serverVersion: target.serverVersion, databases: target.databases, tablespaces: target.tablespaces, roles: target.roles,
        tool: tool instanceof Error ? { error: tool.message } : { path: tool.path, version: tool.version },
      };
  // The rename target's timestamp is part of the plan: planned again under the lock, it must be the same.
  const plannedAt = now();
  const plan = planRestore(facts, targetFacts, request.options, plannedAt);
  if (request.dryRun) return { plan, record: null, recordedIn: null, cleanupFailures: [] };
  // A restore killed on this host (kill -9, a reboot) left its row `running`. `maintain` closes such rows, and
  // so does the next restore here: a host that never runs maintain does not show it running for ever.
  const abandoned = await catalog.restores.abandonDead(hostname(), isProcessAlive).catch(() => []);
  if (abandoned.length > 0) request.logger.warn({ restores: abandoned }, 'marked restores left running by a dead process on this host as failed (abandoned)');
  if (plan.refusals.length === 0 && request.confirm && !(await request.confirm(plan))) return { plan, record: null, recordedIn: null, cleanupFailures: [] };

  const recorder = restoreRecorder(request.stateDir, catalog.restores, request.logger);
  const record: RestoreRecord = {
    id: randomUUID(), purpose: request.purpose, backupRunId: facts.runId, definition: facts.definition, sourceDatabase: facts.database,
    backupType: facts.backupType, format: facts.format, targetNode: request.targetNode, targetDatabase: plan.targetDatabase,
    renamedExistingTo: null, status: 'running', startedAt: now().toISOString(), finishedAt: null, failureReason: null, log: null,
    pgRestoreVersion: tool instanceof Error ? null : tool.version,
    serverVersion: target instanceof Error ? null : target.serverVersion, createdRoles: [], createdDatabases: [], actor: request.actor,
    executor: executorId(hostname()),
  };
  const log: string[] = [`restore ${record.id} of backup ${facts.runId} (${facts.definition}) to node ${request.targetNode}`];
  /** Records the restore as failed before it changed anything. */
  const refuse = async (reasons: string[]): Promise<RestoreOutcome> => {
    log.push('refused before changing anything:', ...reasons.map((r) => `  ${r}`));
    Object.assign(record, { status: 'failed', finishedAt: now().toISOString(), failureReason: `refused: ${reasons.join('; ')}`, log: log.join('\n') });
    await recorder.record(record);
    return { plan, record, recordedIn: recorder.mode, cleanupFailures: [] };
  };

  // An unreachable target or a missing tool is always among the refusals; the instanceof tests narrow types.
  if (plan.refusals.length > 0 || target instanceof Error || tool instanceof Error) return refuse(plan.refusals);

  let lock: RestoreTargetLock;
  try {
    lock = await lockRestoreTargets(node, request.targetNode, plan.databasesToCreate, `${request.purpose} ${record.id.slice(0, 8)}`);
  } catch (err) {
    if (err instanceof RestoreTargetBusyError) return refuse([err.message]);
    return refuse([`the target lock could not be taken: ${(err as Error).message}`]);
  }
  try {
    const held = await queryTargetState(lock.client);
    const current = planRestore(facts, { ...targetFacts, databases: held.databases, tablespaces: held.tablespaces, roles: held.roles }, request.options, plannedAt);
    const changes = changesSincePlan(plan, current);
    if (changes.length > 0) return await refuse(changes.map((c) => `the target changed since the plan: ${c}`));

    await recorder.record(record);
    const undo = new UndoLog();
    const started = process.hrtime.bigint();
    let cleanupFailures: string[] = [];
    try {
      const source = new BackupSource(plan.backup.directory, plan.backup.encrypted ? request.identityFile : undefined);
      try {
        await execute(plan, node, target, tool, binDirs, globals, undo, record, log, source, request.onProgress);
      } finally {
        source.close();
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      log.push(`succeeded in ${seconds.toFixed(1)} s`);
      Object.assign(record, { status: 'succeeded', finishedAt: now().toISOString() });
      if (request.purpose === 'trial') {
        // A trial leaves nothing behind: what it created goes, by the same rule as an undo, under the same lock.
        const cleanup = await undo.run(node, target.major);
        log.push(...cleanup.lines.map((l) => `trial: ${l}`));
        cleanupFailures = cleanup.failures;
      }
    } catch (err) {
      log.push(`failed: ${(err as Error).message}`);
      request.logger.error({ restore: record.id, err: (err as Error).message }, 'restore failed; undoing what it created');
      log.push(...(await undo.run(node, target.major)).lines);
      Object.assign(record, { status: 'failed', finishedAt: now().toISOString(), failureReason: (err as Error).message.split('\n')[0] });
    }
    record.log = log.join('\n');
    await recorder.record(record);
    return { plan, record, recordedIn: recorder.mode, cleanupFailures };
  } finally {
    await lock.release();
  }
}

async function execute(
  plan: RestorePlan, node: NodeSpec, target: TargetState, tool: PgTool, binDirs: Record<string, string> | undefined, globals: GlobalsCapture | null,
  undo: UndoLog, record: RestoreRecord, log: string[], source: BackupSource, progress: RestoreProgressListener | undefined,
): Promise<void> {
  const dir = plan.backup.directory;
  const step = (name: string) => progress?.({ step: name, bytes: null, total: null });
  // The load's progress: how far the backup's file has been read by whoever reads it (this process streaming a
  // plain file, age decrypting, a decompressor; pg_restore by its read counters, as it seeks and has workers).
  const reading = <T>(name: string, work: () => Promise<T>) => whileReading(
    progress, `loading ${name}`, [source.pathOf(name)],
    plan.load.tool === 'pg_restore' && !source.encrypted ? 'read-counters' : 'positions', true, work,
  );
  for (const r of plan.renames) {
    step(`renaming database ${JSON.stringify(r.from)}`);
    await renameDatabase(node, r.from, r.to);
    undo.renamed(r.from, r.to);
    record.renamedExistingTo = r.to;
    log.push(`renamed existing database ${JSON.stringify(r.from)} to ${JSON.stringify(r.to)}`);
  }

  if (plan.backup.database === null) {
    // Cluster dump: the script creates roles and databases itself; statements about roles that already exist
    // (reused or the bootstrap superuser) are left out so those roles are not altered. Each CREATE is followed
    // by a marker that psql prints only if the CREATE succeeded: what this restore created is what psql
    // proved, not what the plan expected (creation-markers.ts).
    const skip = new Set([...plan.rolesReused, ...(plan.bootstrapMapped ? [plan.bootstrapMapped] : [])]);
    const psql = tool.path; // the plan loads a cluster script with psql
    const nonce = randomBytes(16).toString('hex');
    const scanner = new ClusterScriptScanner(skip, (kind, name) => creationMarkerCommand(nonce, kind, name));
    const dump = readClusterDump(source, plan.load.file);
    const filtered = dump.sql.pipe(new Transform({
      decodeStrings: false,
      transform(chunk: string, _enc, done) { done(null, scanner.feed(chunk)); },
      flush(done) { done(null, scanner.end()); },
    }));
    const result = await reading(plan.load.file, () => runPsql(psql, node, node.maintenanceDatabase, filtered, false, { secret: true }));
    // A dump that could not be decompressed to its end was not restored whole, even if psql took what it got.
    const unread = await dump.close().then(() => null, (err: Error) => err);
    const created = readCreationMarkers(nonce, result.stdout);
    undo.createdRoles(created.roles);
    for (const database of created.databases) undo.createdDatabase(database);
    logToolOutput(log, 'psql', withoutCreationMarkers(nonce, result.output));
    if (!result.ok) throw new Error(`psql stopped at an error (exit ${result.exitCode}): ${firstError(result.output)}`);
    if (unread) throw unread;
    await source.finished();
    record.createdRoles = created.roles;
    record.createdDatabases = created.databases;
    log.push(`loaded ${plan.load.file}: created ${created.roles.length} role(s) and ${created.databases.length} database(s)`);
    return;
  }

  const database = plan.targetDatabase!;
  const psql = plan.load.tool === 'psql' ? tool.path : (await findTool('psql', target.major, binDirs)).path;
  if (plan.rolesToCreate.length > 0) {
    step('creating roles');
    const blocks = splitRolesSql(await source.text('roles.sql'));
    const sql = plan.rolesToCreate.map((name) => {
      const block = blocks.get(name);
      if (block === undefined) throw new Error(`roles.sql has no block for role ${JSON.stringify(name)}`);
      return block;
    }).join('\n');
    // One transaction: psql exits 0 only if every CREATE ROLE succeeded and was committed; otherwise none of
    // them exists, and there is nothing to undo.
    const result = await runPsql(psql, node, node.maintenanceDatabase, sql, true, { secret: true });
    logToolOutput(log, 'psql (roles)', result.output);
    if (!result.ok) throw new Error(`creating roles failed: ${firstError(result.output)}`);
    undo.createdRoles(plan.rolesToCreate);
    record.createdRoles = plan.rolesToCreate;
    log.push(`created role(s) ${plan.rolesToCreate.map((r) => JSON.stringify(r)).join(', ')}`);
  }

  step(`creating database ${JSON.stringify(database)}`);
  // CREATE DATABASE on its own: it succeeding is the proof that the database is this restore's to undo. One
  // that fails (someone created the name meanwhile) is not touched.
  const created = await runPsql(psql, node, node.maintenanceDatabase, renderCreateDatabase(globals!.database, database), false);
  logToolOutput(log, 'psql (database)', created.output);
  if (!created.ok) throw new Error(`creating database ${JSON.stringify(database)} failed: ${firstError(created.output)}`);
  undo.createdDatabase(database);
  record.createdDatabases = [database];
  log.push(`created database ${JSON.stringify(database)}`);
  const properties = await runPsql(psql, node, node.maintenanceDatabase, renderDatabaseProperties(globals!.database, database), false);
  logToolOutput(log, 'psql (database properties)', properties.output);
  if (!properties.ok) throw new Error(`setting the properties of database ${JSON.stringify(database)} failed: ${firstError(properties.output)}`);

  // A plain file is named to pg_restore (it seeks in it, and runs parallel jobs); a decrypted one streams on stdin.
  const input = plan.backup.encrypted ? source.stream(plan.load.file) : join(dir, plan.load.file);
  const loaded = await reading(plan.load.file, () => (plan.load.tool === 'pg_restore'
    ? runPgRestore(tool.path, node, database, input, plan.load.jobs)
    : runPsql(tool.path, node, database, typeof input === 'string' ? createReadStream(input) : input, false)));
  logToolOutput(log, plan.load.tool, loaded.output);
  if (!loaded.ok) throw new Error(`${plan.load.tool} failed (exit ${loaded.exitCode}): ${firstError(loaded.output)}`);
  await source.finished();
  log.push(`loaded ${plan.load.file} with ${plan.load.tool}${plan.load.jobs > 1 ? ` (${plan.load.jobs} jobs)` : ''} (${target.serverVersion} target)`);
}

/**
 * What this restore did to the target, to undo on failure, newest first. Only what it proved it did is ever
 * registered: a database or role after its own CREATE succeeded, a rename after the ALTER succeeded. A name
 * that merely did not exist when the plan was made and exists now may be someone else's (docs/restore.md).
 */
class UndoLog {
  private steps: Array<{ done: string; attempt: string; run: (node: NodeSpec, major: number) => Promise<unknown> }> = [];

  renamed(from: string, to: string): void {
    this.steps.push({
      done: `renamed database ${JSON.stringify(to)} back to ${JSON.stringify(from)}`,
      attempt: `rename database ${JSON.stringify(to)} back to ${JSON.stringify(from)}`,
      run: (node) => renameDatabase(node, to, from),
    });
  }

  /** Roles in creation order (each after the roles it is a member of): undone the other way round. */
  createdRoles(roles: readonly string[]): void {
    for (const name of roles) {
      this.steps.push({
        done: `dropped role ${JSON.stringify(name)} (created by this restore)`,
        attempt: `drop role ${JSON.stringify(name)} (created by this restore)`,
        run: (node) => dropRole(node, name),
      });
    }
  }

  createdDatabase(name: string): void {
    this.steps.push({
      done: `dropped database ${JSON.stringify(name)} (created by this restore)`,
      attempt: `drop database ${JSON.stringify(name)} (created by this restore)`,
      run: (node, major) => dropDatabase(node, name, major),
    });
  }

  /** Runs every step, newest first, on after a failed one; `lines` for the log, `failures` among them. */
  async run(node: NodeSpec, major: number): Promise<{ lines: string[]; failures: string[] }> {
    const lines: string[] = [];
    const failures: string[] = [];
    for (const step of [...this.steps].reverse()) {
      try {
        await step.run(node, major);
        lines.push(step.done);
      } catch (err) {
        const line = `could not ${step.attempt}: ${(err as Error).message}`;
        lines.push(line);
        failures.push(line);
      }
    }
    if (lines.length === 0) lines.push('nothing had been changed yet');
    return { lines, failures };
  }
}

/**
 * The plan's view of the backup: row, checksums, and what it needs (globals.json or the cluster script).
 * An encrypted backup is read with the identity here: without one, or with one that does not decrypt it, the
 * restore is refused before anything else is done.
 */
async function backupFacts(row: BackupRow, identityFile: string | undefined): Promise<{ backup: BackupFacts; globals: GlobalsCapture | null }> {
  if (row.status !== 'succeeded') throw new RestoreRefusedError(`backup ${row.id} is ${row.status}: only a succeeded backup can be restored`);
  if (!row.directory) throw new RestoreRefusedError(`backup ${row.id} has no directory recorded`);
  const encrypted = row.encryption !== null;
  if (encrypted && identityFile === undefined) {
    throw new RestoreRefusedError(
      `backup ${row.id} is encrypted with age to ${describeRecipients(row.encryption!)}: give the identity (private key) file of one of them with --identity-file FILE (or PGBACKOPS_AGE_IDENTITY_FILE); nothing was changed`,
      'E_AGE_IDENTITY_REQUIRED',
    );
  }
  const files = await verifyBackupFiles(row.directory, row.files, row.backupServer);
  const source = new BackupSource(row.directory, encrypted ? identityFile : undefined);
  const base = {
    runId: row.id, definition: row.definition, node: row.node, database: row.database,
    backupType: row.backupType ?? (row.database === null ? 'cluster' : 'full'), format: row.format ?? 'plain',
    serverVersion: row.serverVersion ?? '0', startedAt: row.startedAt.toISOString(), directory: row.directory,
    checksumProblems: files.problems, filesChecked: files.checked, encrypted,
  } as const;
  if (row.database === null) {
    // Its name says how it is compressed (dump.sql.gz...; .age after it when encrypted); plain dump.sql when the
    // run recorded no files.
    const dumpFile = clusterDumpFileIn((row.files ?? []).map((f) => (f.path.endsWith(AGE_SUFFIX) ? f.path.slice(0, -AGE_SUFFIX.length) : f.path))) ?? CLUSTER_DUMP_FILE;
    const facts = files.problems.length === 0 ? await refusedOnIdentity(row, () => scanClusterScript(source, dumpFile)) : { roles: [], databases: [] };
    return {
      backup: { ...base, dumpFile, roles: facts.roles.map((name) => ({ name, bootstrap: false, memberOf: [] })), clusterDatabases: facts.databases, tablespaces: [] },
      globals: null,
    };
  }
  const globals = files.problems.length === 0
    ? JSON.parse(await refusedOnIdentity(row, () => source.text('globals.json'))) as GlobalsCapture
    : null;
  // Only what the plan needs: the plan is printed (and as JSON), and RoleDetails carry password hashes.
  const roles = (globals?.roleDetails ?? []).map((r) => ({ name: r.name, bootstrap: r.bootstrap, memberOf: r.memberOf }));
  const tablespaces = globals?.database.tablespace ? [globals.database.tablespace] : [];
  return { backup: { ...base, roles, clusterDatabases: [], tablespaces }, globals };
}

async function scanClusterScript(source: BackupSource, name: string): Promise<{ roles: string[]; databases: string[] }> {
  const scanner = new ClusterScriptScanner();
  const dump = readClusterDump(source, name);
  let unread: unknown = null;
  try {
    for await (const chunk of dump.sql) scanner.feed(chunk as string);
  } finally {
    unread = await dump.close().then(() => null, (err: unknown) => err);
  }
  // A decryption that failed is why the decompression failed too: it is the error that says what to do.
  await source.finished();
  if (unread) throw unread;
  scanner.end();
  return scanner.facts;
}

/** An identity that cannot decrypt the backup refuses the restore with the code that says why. */
async function refusedOnIdentity<T>(row: BackupRow, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof AgeDecryptError) {
      const to = row.encryption ? ` (it is encrypted to ${describeRecipients(row.encryption)})` : '';
      throw new RestoreRefusedError(`backup ${row.id}: ${err.message}${to}; nothing was changed`, err.code);
    }
    throw err;
  }
}

function describeRecipients(encryption: EncryptionSpec): string {
  return encryption.age.recipients.map((r) => (r.startsWith('ssh-') ? r.split(' ').filter((_, i) => i !== 1).join(' ') : r)).join(', ');
}

/**
 * pg_restore must read the archive (>= the pg_dump that wrote it) and speak to the target (>= its major is
 * the safe choice); psql for plain SQL only needs to speak to the target.
 */
async function loadTool(facts: BackupFacts, row: BackupRow, target: TargetState, binDirs: Record<string, string> | undefined): Promise<PgTool> {
  const archive = facts.database !== null && facts.format !== 'plain';
  if (!archive) return findTool('psql', target.major, binDirs);
  const dumpMajor = row.pgDumpVersion ? majorOf(row.pgDumpVersion) : 0;
  return findTool('pg_restore', Math.max(dumpMajor, target.major), binDirs);
}

function logToolOutput(log: string[], tool: string, output: string): void {
  if (output.trim()) log.push(`${tool} output:\n${output.trimEnd()}`);
}

function firstError(output: string): string {
  const line = output.split('\n').find((l) => /ERROR|FATAL|error:/.test(l));
  return (line ?? output.split('\n').find((l) => l.trim()) ?? 'no output').trim();
}
