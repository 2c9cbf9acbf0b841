// Database names are passed to pg_dump as argv items and to PostgreSQL as parameters, never to a shell,
// so any character is acceptable (except NUL, which no string of the configuration may hold:
// storable-text.ts); PostgreSQL limits identifiers to 63 bytes (longer names are silently truncated,
// which would back up a different database than the one written).
import { displayPath, finding, type DocPath, type Finding } from './findings.js';

export function databaseNameProblem(name: string): string | null {
  if (name === '') return 'a database name cannot be empty';
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > 63) return `${JSON.stringify(name)} is ${bytes} bytes long; PostgreSQL names are at most 63 bytes`;
  return null;
}

/** Adds E_DATABASE_NAME_INVALID to `out` when the name at `path` is not usable. */
export function pushDatabaseName(out: Finding[], name: string, path: DocPath): void {
  const problem = databaseNameProblem(name);
  if (problem) out.push(finding('E_DATABASE_NAME_INVALID', path, `${displayPath(path)}: ${problem}`));
}
