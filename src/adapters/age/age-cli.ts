// The age CLI (Debian's `age` package) as an encryptor and decryptor of streams. Why the binary rather than a
// JavaScript implementation: it is the very tool a DBA decrypts with by hand (docs/encryption.md), its
// ChaCha20-Poly1305 is native code running in its own process (on another core than pg_dump and this process),
// and it adds no npm dependency. Every recipient and path is an argv item (no shell); the private key is only
// ever named by path (-i), on the machine that decrypts.
import { createHash, type Hash } from 'node:crypto';
import { accessSync, closeSync, constants, openSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { ageDecryptArgs, ageEncryptArgs, ageErrorLine, classifyAgeDecryptError, type AgeDecryptFailure } from '../../core/encryption/age-command.js';
import { runProgram, type ProgramResult } from '../os/run-program.js';

/** No `age` on PATH. */
export class AgeNotFoundError extends Error {
  readonly code = 'E_AGE_NOT_FOUND';
  constructor() {
    super('the age program is not on PATH: install it on this machine (Debian: apt-get install age); encrypted backups are written and read with it');
  }
}

const DECRYPT_CODES: Readonly<Record<AgeDecryptFailure, string>> = {
  'identity-mismatch': 'E_AGE_IDENTITY_MISMATCH',
  'identity-unreadable': 'E_AGE_IDENTITY_UNREADABLE',
  damaged: 'E_AGE_DECRYPT',
  other: 'E_AGE_DECRYPT',
};

/** A file could not be decrypted: the identity does not match its recipients, cannot be read, or the file is damaged. */
export class AgeDecryptError extends Error {
  readonly code: string;
  constructor(readonly kind: AgeDecryptFailure, message: string) {
    super(message);
    this.code = DECRYPT_CODES[kind];
  }
}

let agePath: string | null = null;

/** The age binary: the first `age` on PATH (looked up once per process, without starting one). */
export function findAge(): string {
  if (agePath) return agePath;
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'age');
    try {
      accessSync(candidate, constants.X_OK);
      return (agePath = candidate);
    } catch {
      /* not here */
    }
  }
  throw new AgeNotFoundError();
}

/** Counts and hashes the bytes passing through: the plaintext's digest, taken before the encryptor. */
export class PlaintextDigest extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    done(null, chunk);
  }

  /** Once everything has passed. */
  digest(): { bytes: number; sha256: string } {
    return { bytes: this.bytes, sha256: this.hash.digest('hex') };
  }
}

export interface Encryptor {
  /** Write the plaintext here (end it when done); it is hashed on its way to age. */
  input: PlaintextDigest;
  /** age's end: exit 0 once the whole file is written. */
  result: Promise<ProgramResult>;
}

/**
 * Starts `age -e` writing `output` from what is written to `input`: the plaintext never reaches the disk.
 * The file is created here first, 0600 and new (age would create it with the umask's mode, 0644), and age
 * writes into it.
 */
export function startEncryptor(recipients: readonly string[], output: string, options: { env?: NodeJS.ProcessEnv; abort?: AbortSignal } = {}): Encryptor {
  const age = findAge();
  closeSync(openSync(output, 'wx', 0o600));
  const input = new PlaintextDigest({ highWaterMark: 1 << 20 });
  const result = runProgram(age, ageEncryptArgs(recipients, output), {
    input, stdout: 'ignore', dieWithParent: true,
    ...(options.env ? { env: options.env } : {}),
    ...(options.abort ? { abort: options.abort } : {}),
  });
  return { input, result };
}

/** Encrypts a small file held in memory (roles and database captures): its plaintext digest. */
export async function encryptBuffer(recipients: readonly string[], data: string | Buffer, output: string): Promise<{ bytes: number; sha256: string }> {
  const encryptor = startEncryptor(recipients, output);
  Readable.from([Buffer.from(data)]).pipe(encryptor.input);
  const result = await encryptor.result;
  if (result.exitCode !== 0) throw new Error(`age could not encrypt ${output}: ${ageErrorLine(result.stderr || result.spawnError?.message || '')}`);
  return encryptor.input.digest();
}

export interface Decryptor {
  /** The plaintext, as age writes it. */
  stdout: Readable;
  /** age's end; a failure is also thrown by `check`. */
  result: Promise<ProgramResult>;
}

/** Starts `age -d -i IDENTITY FILE`: the plaintext streams on `stdout`, never onto a disk. */
export function startDecryptor(identityFile: string, file: string, abort?: AbortSignal): Decryptor {
  let stdout: Readable | null = null;
  const result = runProgram(findAge(), ageDecryptArgs(identityFile, file), {
    stdout: 'stream', onStdout: (s) => { stdout = s; },
    env: { ...process.env, LC_ALL: 'C' },
    ...(abort ? { abort } : {}),
  });
  // runProgram hands the stream over synchronously as the program starts; a spawn failure gives none.
  return { stdout: stdout ?? Readable.from([]), result };
}

/** Throws AgeDecryptError when a decryption ended badly, naming the file. */
export function checkDecrypted(result: ProgramResult, file: string): void {
  if (result.exitCode === 0) return;
  const stderr = result.spawnError ? result.spawnError.message : result.stderr;
  const { kind, detail } = classifyAgeDecryptError(stderr);
  const what = kind === 'identity-mismatch'
    ? `the identity file does not decrypt ${file}: it is not the private key of any recipient the backup was encrypted to (${detail})`
    : kind === 'identity-unreadable'
      ? `the identity file cannot be used: ${detail} (it must be an age identity file, from age-keygen, or an unencrypted SSH private key, readable by this user)`
      : `${file} could not be decrypted: ${detail}`;
  throw new AgeDecryptError(kind, what);
}

/** Decrypts a small file (globals.json, roles.sql) into memory. */
export async function decryptToBuffer(identityFile: string, file: string): Promise<Buffer> {
  const decryptor = startDecryptor(identityFile, file);
  const chunks: Buffer[] = [];
  decryptor.stdout.on('data', (c: Buffer) => chunks.push(c));
  const result = await decryptor.result;
  checkDecrypted(result, file);
  return Buffer.concat(chunks);
}

/** Decrypts a file through sha256: its plaintext digest (verify compares it with the manifest's). */
export async function decryptedDigest(identityFile: string, file: string): Promise<{ bytes: number; sha256: string }> {
  const decryptor = startDecryptor(identityFile, file);
  const digest = new PlaintextDigest();
  decryptor.stdout.pipe(digest).resume();
  const [result] = await Promise.all([decryptor.result, new Promise((resolve) => digest.on('end', resolve))]);
  checkDecrypted(result, file);
  return digest.digest();
}
