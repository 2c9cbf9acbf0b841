// A real S3-API server for tests: s3rver (npm), in this process, on a free port of 127.0.0.1, storing its
// objects under a temporary directory. It implements PutObject, multipart uploads, GetObject, HeadObject and
// DeleteObjects, accepts any credentials, and neither checks nor returns S3 checksums (x-amz-checksum-*):
// uploads to it are re-verified by reading them back (docs/offsite.md, "Integrity").
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import S3rver from 's3rver';

export interface TestS3 {
  endpoint: string;
  /** Where s3rver keeps the bucket's objects (each object is a directory holding `object` and its metadata). */
  directory: string;
  bucket: string;
  /** A 0600 credentials file owned by the job user, for `credentialsFile`. */
  credentialsFile: string;
  stop(): Promise<void>;
}

export async function startTestS3(work: string, bucket = 'pgbackops-test', owner?: { uid: number; gid: number }): Promise<TestS3> {
  const directory = join(work, 's3');
  mkdirSync(directory, { recursive: true });
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  const { port } = await server.run();
  const credentialsFile = join(work, 's3.credentials');
  writeFileSync(credentialsFile, '[default]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n', { mode: 0o600 });
  chmodSync(credentialsFile, 0o600);
  if (owner) chownSync(credentialsFile, owner.uid, owner.gid);
  return { endpoint: `http://127.0.0.1:${port}`, directory, bucket, credentialsFile, stop: () => server.close() };
}
