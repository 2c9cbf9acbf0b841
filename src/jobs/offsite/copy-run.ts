// Makes one off-site copy: every file of the backup (those its manifest lists, and manifest.json itself)
// uploaded and re-verified, then the marker object, written last. The catalog row is set `copied` by the
// caller only after this returns, so a copy interrupted at any point (kill -9 mid-upload included) is never
// `copied`: it stays pending or failed and the next attempt uploads it again (objects are overwritten; an
// interrupted multipart upload is aborted, by lib-storage on an error, or at the next attempt after a kill).
import { PgbackopsError } from '../../core/errors.js';
import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import type { CopyObject } from '../../adapters/catalog/offsite-store.js';
import { sha256File } from '../../adapters/fs/file-digest.js';
import type { S3ObjectStore, VerifiedBy } from '../../adapters/objectstore/s3-store.js';
import type { RunRecord } from '../../core/runs/run-record.js';
import { failpoint } from '../../runtime/failpoint.js';
import { COPY_MARKER } from './copy-layout.js';

export class CopySourceError extends PgbackopsError {
  readonly code = 'E_OFFSITE_SOURCE';
}

export interface CopyResult {
  objects: CopyObject[];
  verifiedBy: VerifiedBy;
}

export async function copyRunFiles(store: S3ObjectStore, run: RunRecord, keyPrefix: string): Promise<CopyResult> {
  if (!run.directory || !run.files || run.files.length === 0) throw new CopySourceError(`backup ${run.id} has no files recorded`);
  const directory = run.directory;
  // The local files must still be the backup: a copy of a damaged file would be a damaged copy.
  const manifestPath = join(directory, 'manifest.json');
  const manifestSize = await stat(manifestPath).then((s) => s.size, (err: Error) => {
    throw new CopySourceError(`backup ${run.id}: cannot read ${manifestPath}: ${err.message} (local retention may have removed it before it was copied)`);
  });
  const files = [...run.files, { path: 'manifest.json', bytes: manifestSize, sha256: await sha256File(manifestPath) }];
  await store.abortLeftoverUploads(keyPrefix);
  const objects: CopyObject[] = [];
  let verifiedBy: VerifiedBy = 'checksum';
  for (const file of files) {
    const path = join(directory, file.path);
    const size = await stat(path).then((s) => s.size, () => null);
    if (size !== file.bytes) throw new CopySourceError(`backup ${run.id}: ${file.path} is ${size === null ? 'missing' : `${size} bytes, the manifest says ${file.bytes}`}`);
    const key = keyPrefix + file.path;
    await store.putFile(key, path, file, () => failpoint('offsite-upload-part'));
    // A file changed under the upload would be verified against the manifest, not against itself: the
    // verification reads the store (its checksum, or the bytes) and compares with the manifest's sha256.
    if ((await store.verify(key, path, file)) === 'read-back') verifiedBy = 'read-back';
    objects.push({ key, path: file.path, bytes: file.bytes, sha256: file.sha256 });
  }
  failpoint('offsite-before-marker');
  await store.putText(keyPrefix + COPY_MARKER, JSON.stringify({
    format: 1, runId: run.id, definition: run.definition, node: run.node, database: run.database, startedAt: run.startedAt,
    method: run.method, objects: objects.map((o) => ({ path: o.path, bytes: o.bytes, sha256: o.sha256 })),
  }, null, 2) + '\n');
  return { objects, verifiedBy };
}
