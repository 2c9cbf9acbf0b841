// The port a restored cluster is started on (`restore --to-dir --start --port P`, a Restore's `port`): taken
// ports are refused before anything is read or extracted, since finding out when the server starts costs the
// whole extraction (docs/restore.md, "Physical backups"). The port can still be taken between that check and
// the start: the server's log then says so, and that is the reason given. Pure.

/** The code of the refusal (docs/errors.md). */
export const PORT_IN_USE = 'E_RESTORE_PORT_IN_USE';

/** The refusal's message: which port, what holds it, and that nothing was done. */
export function portInUseMessage(port: number, holder: string): string {
  return `port ${port} is in use (${holder}): the restored cluster could not start on it. Nothing was read or written; choose another port, or stop what holds it`;
}

/**
 * The line of a PostgreSQL server's log saying that its port or socket was taken when it started (a bind that
 * failed with "Address already in use", another postmaster's socket lock file, or another user's it cannot remove), or null. With several
 * listen addresses PostgreSQL starts when at least one bind succeeds: only a start that failed asks this.
 */
export function portTakenIn(log: string): string | null {
  // Another user's lock (its PID is not ours to signal) is taken for stale, and its removal fails in /tmp.
  const line = /^.*(?:could not bind .*Address already in use|lock file ".*\.s\.PGSQL\.\d+\.lock" already exists|could not remove old lock file ".*\.s\.PGSQL\.\d+\.lock").*$/m.exec(log);
  return line ? line[0].trim() : null;
}
