// The age CLI's command lines and what its errors mean. Pure. Recipients and identity paths travel as argv
// items, never through a shell; a recipient is one -r item even with an SSH key's spaces in it.

/** What an encrypted file's name ends with: `age -d` users recognise it, and restore knows to decrypt it. */
export const AGE_SUFFIX = '.age';

/** The name of `plainName` once encrypted. */
export function encryptedName(plainName: string): string {
  return plainName + AGE_SUFFIX;
}

/** `age --encrypt -r R1 -r R2 -o OUTPUT`: reads the plaintext on stdin, writes OUTPUT (created 0600 by the job's umask). */
export function ageEncryptArgs(recipients: readonly string[], output: string): string[] {
  return ['--encrypt', ...recipients.flatMap((r) => ['--recipient', r]), '--output', output];
}

/** `age --decrypt -i IDENTITY FILE`: writes the plaintext on stdout. */
export function ageDecryptArgs(identityFile: string, file: string): string[] {
  return ['--decrypt', '--identity', identityFile, file];
}

/** Why a decryption failed: the identity does not open the file, cannot be read, or the file is damaged. */
export type AgeDecryptFailure = 'identity-mismatch' | 'identity-unreadable' | 'damaged' | 'other';

export function classifyAgeDecryptError(stderr: string): { kind: AgeDecryptFailure; detail: string } {
  const detail = ageErrorLine(stderr);
  if (/no identity matched any of the recipients/.test(detail)) return { kind: 'identity-mismatch', detail };
  if (/^reading "|identity file|unknown identity type|no secret keys|passphrase/i.test(detail)) return { kind: 'identity-unreadable', detail };
  if (/failed to read header|failed to decrypt and authenticate|unexpected EOF|last chunk/i.test(detail)) return { kind: 'damaged', detail };
  return { kind: 'other', detail };
}

/** age's own error line, without its "age: error: " prefix and the line asking for bug reports. */
export function ageErrorLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/report unexpected or unhelpful errors/.test(l));
  const error = lines.find((l) => l.startsWith('age: error:')) ?? lines[0] ?? 'age failed without a message';
  return error.replace(/^age: error:\s*/, '');
}
