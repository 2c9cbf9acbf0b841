// An ObjectStore's `credentialsFile`: AWS's shared credentials format, read by the job user when a copy is
// made. Like a libpq passfile (src/adapters/postgres/passfile.ts) it must be a plain file that neither group
// nor others can read; unlike libpq, which ignores such a file with a warning, a copy refuses it: secret keys
// that others can read are a leak to fix, not a file to skip silently.
import { PgbackopsError } from '../../core/errors.js';
import { readFile, stat } from 'node:fs/promises';

export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export class CredentialsFileError extends PgbackopsError {
  readonly code = 'E_STORE_CREDENTIALS';
}

export async function readCredentialsFile(path: string): Promise<StaticCredentials> {
  const st = await stat(path).catch((err: Error) => {
    throw new CredentialsFileError(`credentialsFile ${path}: ${err.message}`);
  });
  if (!st.isFile()) throw new CredentialsFileError(`credentialsFile ${path} is not a plain file`);
  if ((st.mode & 0o077) !== 0) {
    throw new CredentialsFileError(`credentialsFile ${path} has group or world access (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}); make it 0600 (chmod 600) and owned by the job user`);
  }
  return parseCredentials(await readFile(path, 'utf8'), path);
}

/** The `[default]` profile (or the only profile) of an AWS shared credentials file. */
export function parseCredentials(text: string, path: string): StaticCredentials {
  const profiles = new Map<string, Map<string, string>>();
  let current: Map<string, string> | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (section) {
      current = new Map();
      profiles.set(section[1]!, current);
      continue;
    }
    const pair = /^([A-Za-z_]+)\s*=\s*(.*)$/.exec(line);
    if (pair && current) current.set(pair[1]!.toLowerCase(), pair[2]!.trim());
  }
  const profile = profiles.get('default') ?? (profiles.size === 1 ? [...profiles.values()][0]! : undefined);
  const accessKeyId = profile?.get('aws_access_key_id');
  const secretAccessKey = profile?.get('aws_secret_access_key');
  if (!accessKeyId || !secretAccessKey) {
    throw new CredentialsFileError(`credentialsFile ${path}: no [default] profile (or single profile) with aws_access_key_id and aws_secret_access_key`);
  }
  const sessionToken = profile!.get('aws_session_token');
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}
