// `pgbackops verify` of a base backup: its files against their checksums, then backup_manifest with
// pg_verifybackup (the tars extracted into a scratch directory beside the backup, removed afterwards).
import { join } from 'node:path';
import type { Catalog } from '../../adapters/catalog/catalog.js';
import type { BackupRow } from '../../adapters/catalog/report-queries.js';
import { verifyBackupFiles } from '../../jobs/verify-files.js';
import type { VerifyOutcome, VerifyRequest } from '../method.js';
import { verifyWithPgVerifybackup } from './verify-manifest.js';

export async function verifyBasebackup(_catalog: Catalog, row: BackupRow, request: VerifyRequest): Promise<VerifyOutcome> {
  const outcome: VerifyOutcome = {
    backupId: row.id, files: { checked: 0, problems: [] },
    archive: { checked: false, entries: null, problem: null, note: null }, trial: null, ok: false,
  };
  if (row.status !== 'succeeded' || !row.directory) {
    outcome.files.problems.push(`backup ${row.id} is ${row.status}: it holds no backup files`);
    return outcome;
  }
  outcome.files = await verifyBackupFiles(row.directory, row.files, row.backupServer);
  if (outcome.files.problems.length > 0) return outcome;
  const major = row.serverVersion ? Number(row.serverVersion.split('.')[0]) : 0;
  const scratch = join(row.directory, `.verify-${process.pid}`);
  const check = await verifyWithPgVerifybackup(row.directory, scratch, major).catch((err: Error) => ({ ok: false, how: 'pg_verifybackup', problem: err.message }));
  outcome.archive = { checked: true, entries: null, problem: check.ok ? null : `${check.how}: ${check.problem}`, note: check.ok ? `backup_manifest verified by ${check.how}` : null };
  if (!check.ok) return outcome;
  if (request.trialNode !== undefined) {
    outcome.trial = { outcome: null, scratchDatabase: null, durationMs: null, problem: 'a basebackup is tried by restoring it into a directory: use verify --restore without --to-node' };
  }
  outcome.ok = outcome.trial === null;
  return outcome;
}
