// A backup's files as restore and verify read them, by their plain names: as they are on disk, or, for an
// encrypted backup (docs/encryption.md), decrypted by `age -d` as they stream, so that no plaintext is
// written anywhere. A decryption's own end is checked separately (`finished`): a file that fails
// authentication half-way has already handed its first part to the reader, which must not take that part
// for the whole.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { checkDecrypted, decryptToBuffer, startDecryptor } from '../../adapters/age/age-cli.js';
import type { ProgramResult } from '../../adapters/os/run-program.js';
import { AGE_SUFFIX, encryptedName } from '../../core/encryption/age-command.js';

export class BackupSource {
  private readonly decrypting: Array<{ file: string; stdout: Readable; result: Promise<ProgramResult> }> = [];

  /** `identityFile`: the backup is encrypted and this identity decrypts it; undefined: its files are plain. */
  constructor(private readonly directory: string, private readonly identityFile: string | undefined) {}

  /** Whether its files are read through `age -d`. */
  get encrypted(): boolean {
    return this.identityFile !== undefined;
  }

  /** The path of a file of the backup named by its plain name (an encrypted backup's ends in .age). */
  pathOf(name: string): string {
    return join(this.directory, this.identityFile === undefined || name.endsWith(AGE_SUFFIX) ? name : encryptedName(name));
  }

  /** The file's content as a stream; for an encrypted backup, call `finished` once it has been read. */
  stream(name: string): Readable {
    const path = this.pathOf(name);
    if (this.identityFile === undefined) return createReadStream(path);
    const decryptor = startDecryptor(this.identityFile, path);
    this.decrypting.push({ file: path, ...decryptor });
    return decryptor.stdout;
  }

  /** A small file's whole text (globals.json, roles.sql). Throws AgeDecryptError when it cannot be decrypted. */
  async text(name: string): Promise<string> {
    const path = this.pathOf(name);
    if (this.identityFile === undefined) return readFile(path, 'utf8');
    return (await decryptToBuffer(this.identityFile, path)).toString('utf8');
  }

  /** Waits for every decryption started by `stream`: throws AgeDecryptError when one did not end well. */
  async finished(): Promise<void> {
    const started = this.decrypting.splice(0);
    for (const d of started) checkDecrypted(await d.result, d.file);
  }

  /** After a failure: stops the decryptions still running (their reader is gone), without waiting for them. */
  close(): void {
    for (const d of this.decrypting.splice(0)) d.stdout.destroy();
  }
}
