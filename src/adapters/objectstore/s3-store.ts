// One ObjectStore as the AWS SDK for JavaScript v3 sees it: upload a file (streamed; multipart through
// lib-storage past the part size, with bounded memory and parallel parts), prove what the store holds, read a
// file back, delete keys. What a copy is and when it counts is src/jobs/offsite/; this file only talks to S3.
//
// Integrity: every upload carries the file's sha256 as S3's SHA256 checksum (the manifest's value for a
// single PutObject; per part, computed by the SDK, for a multipart upload), so a store that checks checksums
// refuses a corrupted body. The upload is then re-verified: from HeadObject's stored checksum when the store
// returns one (compared with the manifest, or with the composite of the parts' sha256 for a multipart
// object), otherwise by reading the object back and hashing it (servers without checksum support, such as
// the s3rver test server). docs/offsite.md, "Integrity".
import { PgbackopsError } from '../../core/errors.js';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand, DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, PutObjectCommand, S3Client,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { ObjectStoreSpec } from '../../core/model.js';
import { readCredentialsFile } from './credentials-file.js';

// The SDK warns on stderr (once per process) that its releases after January 2027 need Node 22; pgbackops
// supports Node 20 with the versions it pins, and a cron job's stderr is mailed to root.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const MIB = 1024 * 1024;

export interface UploadedFile {
  key: string;
  bytes: number;
  sha256: string;
}

export type VerifiedBy = 'checksum' | 'read-back';

export class ObjectStoreError extends PgbackopsError {
  readonly code = 'E_STORE';
}

export class S3ObjectStore {
  private constructor(
    readonly name: string,
    readonly spec: ObjectStoreSpec,
    private readonly client: S3Client,
  ) {}

  static async open(name: string, spec: ObjectStoreSpec): Promise<S3ObjectStore> {
    const credentials = spec.credentialsFile ? await readCredentialsFile(spec.credentialsFile) : undefined;
    const client = new S3Client({
      region: spec.region,
      forcePathStyle: spec.forcePathStyle,
      ...(spec.endpoint ? { endpoint: spec.endpoint } : {}),
      ...(credentials ? { credentials } : {}),
      // Checksums are sent where pgbackops asks for them (SHA256, below), not the SDK's default CRC32 on every
      // request: some S3-compatible services refuse the aws-chunked trailers the default needs.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 5,
    });
    return new S3ObjectStore(name, spec, client);
  }

  get partSize(): number {
    return this.spec.partSizeMiB * MIB;
  }

  /** Uploads `path` as `key`. Single PutObject below the part size; otherwise a multipart upload, aborted on failure. */
  async putFile(key: string, path: string, file: { bytes: number; sha256: string }, onPart: () => void = () => undefined): Promise<void> {
    const common = this.writeOptions(key);
    try {
      if (file.bytes < this.partSize) {
        await this.client.send(new PutObjectCommand({
          ...common, Body: createReadStream(path), ContentLength: file.bytes, ChecksumSHA256: hexToBase64(file.sha256),
        }));
        return;
      }
      const upload = new Upload({
        client: this.client,
        params: { ...common, Body: createReadStream(path, { highWaterMark: MIB }), ChecksumAlgorithm: 'SHA256' },
        partSize: this.partSize,
        queueSize: this.spec.parallelParts,
        // On failure lib-storage aborts the multipart upload: no parts left behind to pay for.
        leavePartsOnError: false,
      });
      upload.on('httpUploadProgress', onPart);
      await upload.done();
    } catch (err) {
      throw new ObjectStoreError(`upload of ${this.describe(key)} failed: ${describeError(err)}`);
    }
  }

  /** Uploads a small document (the copy's marker), with its checksum. */
  async putText(key: string, text: string): Promise<void> {
    const body = Buffer.from(text, 'utf8');
    try {
      await this.client.send(new PutObjectCommand({
        ...this.writeOptions(key), Body: body, ContentType: 'application/json', ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
      }));
    } catch (err) {
      throw new ObjectStoreError(`upload of ${this.describe(key)} failed: ${describeError(err)}`);
    }
  }

  /**
   * Proves the store holds exactly the file: its stored SHA256 checksum when it returns one, else a read-back.
   * Throws ObjectStoreError with what differs.
   */
  async verify(key: string, path: string, file: { bytes: number; sha256: string }): Promise<VerifiedBy> {
    let head;
    try {
      head = await this.client.send(new HeadObjectCommand({ Bucket: this.spec.bucket, Key: key, ChecksumMode: 'ENABLED' }));
    } catch (err) {
      throw new ObjectStoreError(`${this.describe(key)} cannot be read after its upload: ${describeError(err)}`);
    }
    if (head.ContentLength !== file.bytes) {
      throw new ObjectStoreError(`${this.describe(key)} holds ${head.ContentLength} bytes after its upload, the file has ${file.bytes}`);
    }
    const stored = head.ChecksumSHA256;
    if (stored) {
      const expected = stored.includes('-') ? await compositeSha256(path, this.partSize, file.bytes) : hexToBase64(file.sha256);
      if (stored !== expected) throw new ObjectStoreError(`${this.describe(key)}: the store's SHA256 checksum ${stored} is not the file's ${expected}`);
      return 'checksum';
    }
    const read = await this.digestObject(key);
    if (read.sha256 !== file.sha256 || read.bytes !== file.bytes) {
      throw new ObjectStoreError(`${this.describe(key)}: read back, its sha256 is ${read.sha256} (${read.bytes} bytes), the file's is ${file.sha256}`);
    }
    return 'read-back';
  }

  /** Downloads `key` into `path` (created 0600), returning the size and sha256 of what was written. */
  async getFile(key: string, path: string): Promise<{ bytes: number; sha256: string }> {
    const body = await this.body(key);
    const digest = digestingStream();
    try {
      await pipeline(body, digest.stream, createWriteStream(path, { mode: 0o600, flags: 'wx' }));
    } catch (err) {
      throw new ObjectStoreError(`download of ${this.describe(key)} failed: ${describeError(err)}`);
    }
    return digest.result();
  }

  async getText(key: string): Promise<string> {
    const body = await this.body(key);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  /** Deletes keys (missing ones are no error: a repeated expiry after a crash finds them gone). */
  async deleteKeys(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      let result;
      try {
        result = await this.client.send(new DeleteObjectsCommand({
          Bucket: this.spec.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }));
      } catch (err) {
        throw new ObjectStoreError(`deleting ${batch.length} object(s) from ${this.name} failed: ${describeError(err)}`);
      }
      const failed = (result.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length > 0) {
        throw new ObjectStoreError(`deleting from ${this.name}: ${failed.length} object(s) not deleted, first ${failed[0]!.Key}: ${failed[0]!.Code} ${failed[0]!.Message ?? ''}`);
      }
    }
  }

  /**
   * Aborts the multipart uploads a killed process left under `prefix` (their parts cost storage and are never
   * part of an object). Best effort: a store that cannot list them is left to its lifecycle rules
   * (AbortIncompleteMultipartUpload; docs/offsite.md).
   */
  async abortLeftoverUploads(prefix: string): Promise<number> {
    try {
      const listed = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.spec.bucket, Prefix: prefix }));
      let aborted = 0;
      for (const u of listed.Uploads ?? []) {
        if (!u.Key || !u.UploadId) continue;
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.spec.bucket, Key: u.Key, UploadId: u.UploadId }));
        aborted++;
      }
      return aborted;
    } catch {
      return 0;
    }
  }

  /** Reads the object and hashes it, without keeping it. */
  async digestObject(key: string): Promise<{ bytes: number; sha256: string }> {
    const body = await this.body(key);
    const digest = digestingStream();
    try {
      await pipeline(body, digest.stream, async function* (source) {
        for await (const _ of source) { /* drained: only the digest is wanted */ }
      });
    } catch (err) {
      throw new ObjectStoreError(`reading ${this.describe(key)} failed: ${describeError(err)}`);
    }
    return digest.result();
  }

  close(): void {
    this.client.destroy();
  }

  describe(key: string): string {
    return `s3://${this.spec.bucket}/${key} (store ${this.name})`;
  }

  private async body(key: string): Promise<Readable> {
    try {
      const got = await this.client.send(new GetObjectCommand({ Bucket: this.spec.bucket, Key: key }));
      return got.Body as Readable;
    } catch (err) {
      throw new ObjectStoreError(`${this.describe(key)} cannot be read: ${describeError(err)}`);
    }
  }

  private writeOptions(key: string): Pick<PutObjectCommandInput, 'Bucket' | 'Key' | 'StorageClass' | 'ServerSideEncryption' | 'SSEKMSKeyId'> {
    const sse = this.spec.serverSideEncryption;
    return {
      Bucket: this.spec.bucket,
      Key: key,
      ...(this.spec.storageClass ? { StorageClass: this.spec.storageClass } : {}),
      ...(sse ? { ServerSideEncryption: sse.algorithm } : {}),
      ...(sse?.kmsKeyId ? { SSEKMSKeyId: sse.kmsKeyId } : {}),
    };
  }
}

function hexToBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

/**
 * S3's checksum of a multipart object: the SHA256 of the concatenated SHA256 of its parts, "-<parts>"
 * appended. lib-storage cuts parts at exactly `partSize` bytes, so it is computed from the file alone.
 */
export async function compositeSha256(path: string, partSize: number, bytes: number): Promise<string> {
  const handle = await open(path, 'r');
  const outer = createHash('sha256');
  const buffer = Buffer.allocUnsafe(Math.min(partSize, 8 * MIB));
  let parts = 0;
  try {
    for (let start = 0; start < bytes; start += partSize) {
      const part = createHash('sha256');
      const end = Math.min(start + partSize, bytes);
      for (let at = start; at < end;) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, end - at), at);
        if (bytesRead === 0) throw new Error(`${path} is shorter than ${bytes} bytes`);
        part.update(buffer.subarray(0, bytesRead));
        at += bytesRead;
      }
      outer.update(part.digest());
      parts++;
    }
  } finally {
    await handle.close();
  }
  return `${outer.digest('base64')}-${parts}`;
}

function digestingStream(): { stream: Transform; result: () => { bytes: number; sha256: string } } {
  const hash = createHash('sha256');
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, result: () => ({ bytes, sha256: hash.digest('hex') }) };
}

function describeError(err: unknown): string {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : '';
  return `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message ?? String(err)}${status}`;
}
