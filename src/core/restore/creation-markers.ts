// Proof of what a psql script created, for the undo of a failed restore. Pure.
//
// A restore may undo only what it created itself, and "it did not exist when we planned and exists now" is no
// proof: someone else may have created it in between (another restore, a DBA). For a script that psql runs
// (a pg_dumpall dump), the restore cannot run the CREATE statements itself, so it asks psql to testify:
// right after each CREATE ROLE and CREATE DATABASE the script gets a `\echo` of a marker line. psql runs
// with ON_ERROR_STOP=1 and outside any transaction block, so it reaches the `\echo` only when the statement
// before it succeeded, and a successful CREATE outside a transaction is committed: a marker on stdout proves
// that this psql created that role or database. A statement that failed, or that psql never reached, prints
// nothing, and what it names is left alone.
//
// The marker holds a nonce made for this restore (a dump written earlier cannot contain it, so no line of
// the dump's own output can pass for a marker) and the name in hex (names may hold anything, newlines too).

export type CreatedKind = 'role' | 'database';

const PREFIX = 'pgbackops-created';

/** The psql meta-command that prints the marker; to be placed right after the statement it vouches for. */
export function creationMarkerCommand(nonce: string, kind: CreatedKind, name: string): string {
  checkNonce(nonce);
  return `\\echo ${PREFIX} ${nonce} ${kind} ${Buffer.from(name, 'utf8').toString('hex')}\n`;
}

/** The roles and databases psql's stdout proves created, in the order they were created. */
export function readCreationMarkers(nonce: string, stdout: string): { roles: string[]; databases: string[] } {
  const proven = { roles: [] as string[], databases: [] as string[] };
  const pattern = markerLine(nonce);
  for (const line of stdout.split('\n')) {
    const m = pattern.exec(line);
    if (!m) continue;
    const name = Buffer.from(m[2]!, 'hex').toString('utf8');
    (m[1] === 'role' ? proven.roles : proven.databases).push(name);
  }
  return proven;
}

/** The tool output without the marker lines, for the restore log. */
export function withoutCreationMarkers(nonce: string, output: string): string {
  const pattern = markerLine(nonce);
  return output.split('\n').filter((line) => !pattern.test(line)).join('\n');
}

function markerLine(nonce: string): RegExp {
  checkNonce(nonce);
  return new RegExp(`^${PREFIX} ${nonce} (role|database) ((?:[0-9a-f]{2})*)\r?$`);
}

/** Hex only: it goes into a psql meta-command unquoted and into a regular expression unescaped. */
function checkNonce(nonce: string): void {
  if (!/^[0-9a-f]{16,}$/.test(nonce)) throw new Error('a creation marker nonce is at least 16 hex digits');
}
