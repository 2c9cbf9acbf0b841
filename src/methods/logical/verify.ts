// `pgbackops verify`: is a backup restorable? Three levels of evidence, each one only if the last passed:
// 1. every file matches the manifest checksums (and the manifest matches the catalog);
// 2. pg_restore --list reads the archive's whole table of contents (custom and directory archives), or a
//    compressed cluster dump decompresses to its end (gzip/lz4/zstd --test);
// 3. with a target node, a full trial restore into a scratch database that is dropped afterwards, together
//    with the roles the trial had to create (by the restore itself, which removes only what it proved it
//    created); the run is recorded as a restore with purpose 'trial', so its duration is restore-time evidence.
// An encrypted backup (docs/encryption.md) is checked at level 1 from its ciphertext checksums alone; level 2
// needs its identity: each file is decrypted (streaming) and its plaintext compared with the sha256 the run
// took before encrypting it, then the archive is listed from the decrypted stream.
import { join } from 'node:path';
import type { Catalog } from '../../adapters/catalog/catalog.js';
import type { BackupRow } from '../../adapters/catalog/report-queries.js';
import { runProgram } from '../../adapters/os/run-program.js';
import { findTool } from '../../adapters/postgres/tools.js';
import { CLUSTER_DUMP_FILE, clusterDumpCompression, clusterDumpFileIn, testCommand } from '../../core/dump/stream-compression.js';
import { dumpFileOf, majorOf, renamedName } from '../../core/restore/restore-plan.js';
import type { VerifyOutcome, VerifyRequest } from '../method.js';
import { restoreBackup } from './restore.js';
import { listArchive } from './restore-target.js';
import { verifyBackupFiles } from '../../jobs/verify-files.js';
import { AgeDecryptError, decryptedDigest } from '../../adapters/age/age-cli.js';
import { AGE_SUFFIX } from '../../core/encryption/age-command.js';
import type { RunFile } from '../../core/runs/run-record.js';
import { BackupSource } from './backup-source.js';

export async function verifyBackup(catalog: Catalog, row: BackupRow, request: VerifyRequest): Promise<VerifyOutcome> {
  const now = request.now ?? (() => new Date());
  const outcome: VerifyOutcome = {
    backupId: row.id,
    files: { checked: 0, problems: [] },
    archive: { checked: false, entries: null, problem: null, note: null },
    trial: null,
    ok: false,
  };
  if (row.status !== 'succeeded' || !row.directory) {
    outcome.files.problems.push(`backup ${row.id} is ${row.status}: it holds no backup files`);
    return outcome;
  }
  outcome.files = await verifyBackupFiles(row.directory, row.files, row.backupServer, request.onHashProgress ? { onProgress: request.onHashProgress } : {});
  if (outcome.files.problems.length > 0) return outcome;

  const kind = { database: row.database, backupType: row.backupType ?? 'full', format: row.format ?? 'plain' };
  const encrypted = row.encryption !== null;
  if (encrypted && request.identityFile === undefined) {
    outcome.archive.note = `encrypted with age: the ciphertext checksums match; checking the archive itself needs the identity of one of its recipients (--identity-file FILE)`;
    if (request.trialNode !== undefined) outcome.trial = { outcome: null, scratchDatabase: null, durationMs: null, problem: 'the backup is encrypted: a trial restore needs --identity-file' };
    outcome.ok = outcome.trial === null;
    return outcome;
  }
  const source = new BackupSource(row.directory, encrypted ? request.identityFile : undefined);
  if (encrypted) {
    const problems = await plaintextProblems(row.directory, request.identityFile!, row.files ?? []);
    if (problems.length > 0) {
      outcome.archive = { checked: true, entries: null, note: null, problem: problems.join('; ') };
      return outcome;
    }
  }
  if (kind.database !== null && kind.format !== 'plain') {
    const tool = await findTool('pg_restore', row.pgDumpVersion ? majorOf(row.pgDumpVersion) : 0);
    // A plain archive is named to pg_restore; a decrypted one streams on stdin (it reads the table of contents).
    const listed = await listArchive(tool.path, encrypted ? source.stream(dumpFileOf(kind)) : join(row.directory, dumpFileOf(kind)));
    source.close();
    outcome.archive = {
      checked: true, entries: listed.entries, note: encrypted ? 'decrypted with the identity: every file matches the plaintext checksum taken when it was encrypted' : null,
      problem: listed.ok ? null : `pg_restore --list failed: ${listed.output.trim().split('\n')[0] ?? ''}`,
    };
    if (!listed.ok) return outcome;
  } else {
    if (encrypted) {
      // The plaintext checksums above cover what the compressor wrote; decompressing needs the decrypted stream.
      outcome.archive.note = 'plain SQL (pg_dumpall), encrypted: decrypted with the identity, it matches the plaintext checksum taken when it was encrypted';
    } else {
      const file = clusterDumpFileIn((row.files ?? []).map((f) => f.path)) ?? CLUSTER_DUMP_FILE;
      const method = clusterDumpCompression(file) ?? 'none';
      const test = testCommand(method, join(row.directory, file));
      if (!test) {
        outcome.archive.note = 'plain SQL (pg_dumpall): no archive table of contents to list; checksums only';
      } else {
        // The checksums say the file is what was written; this says what was written decompresses to its end.
        const tested = await runProgram(test.program, test.args);
        const why = tested.spawnError ? tested.spawnError.message : tested.stderr.trim().split('\n')[0] || `exit ${tested.exitCode}`;
        outcome.archive = {
          checked: true, entries: null, note: `${file}: the ${method} stream decompresses to its end (${test.program} --test)`,
          problem: tested.exitCode === 0 ? null : `${test.program} --test of ${file} failed: ${why}`,
        };
        if (outcome.archive.problem) return outcome;
      }
    }
  }

  if (request.trialNode !== undefined) outcome.trial = await trialRestore(catalog, row, request, now);
  outcome.ok = outcome.trial === null || (outcome.trial.problem === null && outcome.trial.outcome?.record?.status === 'succeeded');
  return outcome;
}

async function trialRestore(catalog: Catalog, row: BackupRow, request: VerifyRequest, now: () => Date): Promise<NonNullable<VerifyOutcome['trial']>> {
  if (row.database === null) {
    return { outcome: null, scratchDatabase: null, durationMs: null, problem: 'a cluster dump restores every database and role under its own name: no trial restore into a scratch database' };
  }
  const scratch = renamedName(`pgbackops_verify_${row.id.slice(0, 8)}`, now());
  const outcome = await restoreBackup(catalog, {
    backup: row, targetNode: request.trialNode!, dryRun: false, purpose: 'trial',
    // Roles the target already has are used as they are; the ones the trial creates are dropped with it.
    options: { targetDatabase: scratch, renameExisting: false, roles: 'reuse', jobs: request.jobs },
    ...(request.identityFile !== undefined ? { identityFile: request.identityFile } : {}),
    stateDir: request.stateDir, actor: request.actor, logger: request.logger, now,
  });
  const record = outcome.record;
  if (!record) return { outcome, scratchDatabase: scratch, durationMs: null, problem: 'the trial restore did not run' };
  // The restore's duration, not counting the cleanup (restoreBackup records its end before that).
  const durationMs = record.finishedAt ? Date.parse(record.finishedAt) - Date.parse(record.startedAt) : null;
  if (record.status !== 'succeeded') {
    return { outcome, scratchDatabase: scratch, durationMs, problem: record.failureReason ?? 'the trial restore failed' };
  }
  // restoreBackup removed what the trial created (the scratch database, the roles), under its target lock.
  const problem = outcome.cleanupFailures.length > 0 ? `the trial restore succeeded but cleaning up failed: ${outcome.cleanupFailures.join('; ')}` : null;
  return { outcome, scratchDatabase: scratch, durationMs, problem };
}

/**
 * Each encrypted file decrypted with the identity (streaming, nothing written) against the plaintext sha256
 * its run recorded: proves the identity opens the backup and that it decrypts to what was dumped.
 */
async function plaintextProblems(directory: string, identityFile: string, files: readonly RunFile[]): Promise<string[]> {
  const problems: string[] = [];
  for (const f of files.filter((file) => file.path.endsWith(AGE_SUFFIX))) {
    try {
      const plain = await decryptedDigest(identityFile, join(directory, f.path));
      if (f.plaintext && (plain.sha256 !== f.plaintext.sha256 || plain.bytes !== f.plaintext.bytes)) {
        problems.push(`${f.path}: decrypted, it differs from the plaintext the run encrypted (sha256 ${plain.sha256.slice(0, 12)}..., recorded ${f.plaintext.sha256.slice(0, 12)}...)`);
      }
    } catch (err) {
      if (!(err instanceof AgeDecryptError)) throw err;
      problems.push(`${err.code}: ${err.message}`);
      // A wrong or unreadable identity fails every file alike: once is enough.
      if (err.kind !== 'damaged' && err.kind !== 'other') break;
    }
  }
  return problems;
}
