// Where the age identity (private key) that decrypts backups is found on the machine that restores or
// verifies: the command's --identity-file, else PGBACKOPS_AGE_IDENTITY_FILE in its environment (set on restore
// hosts only, e.g. in the environment of a pgbackops that runs one-off Restore jobs). Never in the shared
// configuration: the backup servers that take the backups need only the public keys (docs/encryption.md).
import { resolve } from 'node:path';

export const IDENTITY_FILE_ENV = 'PGBACKOPS_AGE_IDENTITY_FILE';

/** The identity file to decrypt with, as an absolute path (a job-user re-run keeps the same file); undefined: none given. */
export function configuredIdentityFile(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const given = flag ?? (env[IDENTITY_FILE_ENV] || undefined);
  return given === undefined ? undefined : resolve(given);
}
