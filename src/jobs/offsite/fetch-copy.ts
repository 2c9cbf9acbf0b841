// A backup's off-site copy brought back for a restore or a verify: downloaded into a new temporary directory
// under the state directory (0700, files 0600), every object's sha256 checked against the manifest recorded
// with the copy while it is written, then the directory checked as a local backup is (manifest.json against
// the catalog's files, every file against the manifest). Anything that differs refuses the copy before any
// restore step runs, and the directory is removed. The restore itself is the method's ordinary restore of a
// backup whose directory is that temporary one.
import { PgbackopsError } from '../../core/errors.js';
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { OffsiteCopy } from '../../adapters/catalog/offsite-store.js';
import type { BackupRow } from '../../adapters/catalog/report-queries.js';
import type { ObjectStoreSpec } from '../../core/model.js';
import type { RunFile } from '../../core/runs/run-record.js';
import { verifyBackupFiles } from '../verify-files.js';

export class OffsiteCopyRefusedError extends PgbackopsError {
  readonly code = 'E_OFFSITE_COPY_REFUSED';
}

export interface FetchedCopy {
  directory: string;
  /** Removes the temporary directory. */
  remove(): Promise<void>;
}

export async function fetchCopy(copy: OffsiteCopy, storeSpec: ObjectStoreSpec, stateDir: string, catalogFiles: readonly RunFile[] | null): Promise<FetchedCopy> {
  if (copy.state !== 'copied' || !copy.objects) {
    throw new OffsiteCopyRefusedError(`the copy of backup ${copy.runId} in ${copy.store} is ${copy.state}, not copied: it cannot be restored from`);
  }
  const parent = join(stateDir, 'tmp');
  await mkdir(parent, { recursive: true, mode: 0o700 });
  const directory = join(parent, `offsite-${copy.runId.slice(0, 8)}-${randomBytes(4).toString('hex')}`);
  await mkdir(directory, { mode: 0o700 });
  const remove = () => rm(directory, { recursive: true, force: true });
  const { S3ObjectStore } = await import('../../adapters/objectstore/s3-store.js');
  const store = await S3ObjectStore.open(copy.store, storeSpec);
  try {
    for (const object of copy.objects) {
      if (object.path.split('/').includes('..') || object.path.startsWith('/')) throw new OffsiteCopyRefusedError(`${object.path}: not a path inside a backup directory`);
      const path = join(directory, object.path);
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const got = await store.getFile(object.key, path);
      if (got.sha256 !== object.sha256 || got.bytes !== object.bytes) {
        throw new OffsiteCopyRefusedError(
          `${store.describe(object.key)} is not the file that was copied: sha256 ${got.sha256} (${got.bytes} bytes), the manifest says ${object.sha256} (${object.bytes} bytes); nothing was restored`,
        );
      }
    }
    const check = await verifyBackupFiles(directory, catalogFiles);
    if (check.problems.length > 0) throw new OffsiteCopyRefusedError(`the copy of backup ${copy.runId} in ${copy.store} does not match its manifest: ${check.problems.join('; ')}; nothing was restored`);
    return { directory, remove };
  } catch (err) {
    await remove();
    throw err;
  } finally {
    store.close();
  }
}

/** The backup as restore and verify read it, from the run record kept with a copy (its local row may be gone). */
export function backupRowOfCopy(copy: OffsiteCopy): BackupRow {
  const r = copy.run;
  return {
    id: r.id, definition: r.definition, node: r.node, backupServer: r.backupServer, database: r.database,
    backupType: r.backupType ?? null, format: r.format ?? null, status: 'succeeded',
    startedAt: new Date(r.startedAt), finishedAt: r.finishedAt ? new Date(r.finishedAt) : null,
    bytes: r.bytes === null ? null : Number(r.bytes), files: r.files, failureReason: null, failureDetail: null, log: null,
    pgDumpVersion: r.pgDumpVersion ?? null, serverVersion: r.serverVersion, directory: r.directory, expiredAt: null,
    retention: r.retention, timezone: r.timezone, method: r.method ?? 'logical', methodFacts: (r.methodFacts as Record<string, unknown> | null) ?? null,
    encryption: r.encryption ?? null,
  };
}
