// Starting a cluster restored into a directory (`restore --to-dir --start` of both physical methods,
// basebackup and pgbackrest, and their trial restores): pg_ctl as the directory's owner (the PostgreSQL OS
// user), on its own port with its socket in the directory (in /tmp when that path is too long for a socket),
// then waiting until recovery has ended and the server promoted, or failed. The source's settings came with the
// files, so what this start depends on is forced on the command line: English messages and no logging
// collector, because the server's log in DIR/pgbackops-recovery.log is how promotion, failure and the point
// reached are known (docs/restore.md, "Physical backups"). It never connects: the copy's pg_hba.conf and roles
// are the source's.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isRoot } from '../../adapters/os/os-user.js';
import { portHolder } from '../../adapters/os/port-holder.js';
import { runProgram } from '../../adapters/os/run-program.js';
import { findTool } from '../../adapters/postgres/tools.js';
import { recoveryReached } from '../../core/methods/basebackup/recovery-settings.js';
import { PORT_IN_USE, portInUseMessage, portTakenIn } from '../../core/restore/start-port.js';
import { RestoreRefusedError } from '../method.js';

/** In the restored directory: the server's log from its start, read for the outcome of recovery. */
export const RECOVERY_LOG = 'pgbackops-recovery.log';
/** A Unix socket path is limited to 107 bytes: a longer DIR puts the restored server's socket in /tmp. */
const MAX_SOCKET_DIR = 90;

export interface StartedCluster {
  port: number;
  dataDirectory: string;
  /** What the log says recovery reached: the last LSN replayed, the time of the last transaction replayed. */
  reached: { lsn: string | null; time: string | null };
  /** The server's log up to promotion. */
  log: string;
}

export class StartRestoredClusterError extends Error {
  override name = 'StartRestoredClusterError';
  constructor(message: string, readonly log: string) {
    super(message);
  }
}

/** Where the restored server's socket goes: in its directory, unless the path is too long for a socket. */
export function restoredSocketDirectory(dataDirectory: string): string {
  return dataDirectory.length <= MAX_SOCKET_DIR ? dataDirectory : '/tmp';
}

/**
 * Refuses a port the restored server could not listen on, before anything is read or extracted: TCP on any
 * local address, or the socket it would use in its socket directory (src/adapters/os/port-holder.ts). Both
 * physical methods call it first, with --dry-run too. The start reports a port taken after this check.
 */
export async function refuseTakenPort(dataDirectory: string, port: number): Promise<void> {
  const holder = await portHolder(port, restoredSocketDirectory(dataDirectory));
  if (holder !== null) throw new RestoreRefusedError(portInUseMessage(port, holder), PORT_IN_USE);
}

/** The pg_ctl of the restored files' major version (a physical copy starts only with its own major). */
export async function pgCtlFor(dataDirectory: string, binDirs: Record<string, string> | undefined): Promise<string> {
  const major = Number((await readFile(join(dataDirectory, 'PG_VERSION'), 'utf8')).trim());
  const tool = await findTool('pg_ctl', major, binDirs);
  if (tool.major !== major) throw new StartRestoredClusterError(`the restored files are of PostgreSQL ${major}, but the pg_ctl found is ${tool.version} (${tool.path}): install PostgreSQL ${major} or set the backup server's pgBinDirs`, '');
  return tool.path;
}

/**
 * Starts the restored server and waits until recovery ended: promoted ("database system is ready to accept
 * connections", not the read-only kind of a hot standby), or failed (the postmaster exits; its log says why,
 * e.g. "recovery ended before configured recovery target was reached": thrown as StartRestoredClusterError).
 * Runs as the owner of the directory when this process is root. `onLog` is given the log each time it is read
 * meanwhile (a progress line follows recovery in it: methods/restore-progress.ts).
 */
export async function startRestoredCluster(pgCtl: string, dataDirectory: string, port: number, onLog?: (log: string) => void): Promise<StartedCluster> {
  const logFile = join(dataDirectory, RECOVERY_LOG);
  const spawnAs = await ownerOf(dataDirectory);
  const serverOptions = `-p ${port} -k ${restoredSocketDirectory(dataDirectory)} -c logging_collector=off -c lc_messages=C`;
  // -t: recovery may take long; the loop below watches the postmaster anyway.
  const starting = runProgram(pgCtl, ['start', '-D', dataDirectory, '-l', logFile, '-w', '-t', '86400', '-o', serverOptions], { ...spawnAs, cwd: '/', env: serverEnv() });
  const readLog = () => readFile(logFile, 'utf8').catch(() => '');
  // pg_ctl -w returns once the copy is consistent; the log is followed meanwhile too.
  let pgCtlDone = false;
  const settled = () => { pgCtlDone = true; };
  starting.then(settled, settled);
  while (onLog && !pgCtlDone) {
    onLog(await readLog());
    await Promise.race([starting, new Promise((r) => setTimeout(r, 250))]);
  }
  const started = await starting;
  for (;;) {
    const log = await readLog();
    onLog?.(log);
    if (/database system is ready to accept connections/.test(log)) return { port, dataDirectory, reached: recoveryReached(log), log };
    const fatal = /^.*(?:FATAL|PANIC):.*$/m.exec(log)?.[0];
    if (!(await postmasterAlive(dataDirectory)) || started.exitCode !== 0) {
      // Taken since refuseTakenPort checked it: the server never started, so recovery is not what failed.
      const taken = portTakenIn(log);
      if (taken !== null) throw new StartRestoredClusterError(`the restored server could not start: port ${port} was taken after the restore checked it (${taken}${fatal && !taken.includes(fatal.trim()) ? `; ${fatal.trim()}` : ''}); restore again with another port`, log);
      const why = fatal ?? (started.stderr.trim() || 'the server stopped before recovery ended');
      throw new StartRestoredClusterError(`the restored server did not finish recovery: ${why}`, log);
    }
    // Often: the time between promotion and noticing it is RTO (a DBA doing it by hand polls too).
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Stops a restored cluster this process started: `fast` after a trial, `immediate` when undoing a failed restore. */
export async function stopRestoredCluster(pgCtl: string, dataDirectory: string, mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
  await runProgram(pgCtl, ['stop', '-D', dataDirectory, '-m', mode, '-w'], { ...(await ownerOf(dataDirectory)), cwd: '/', env: serverEnv() });
}

async function ownerOf(dataDirectory: string): Promise<{ uid?: number; gid?: number }> {
  const owner = await stat(dataDirectory);
  return isRoot() && owner.uid !== 0 ? { uid: owner.uid, gid: owner.gid } : {};
}

/** The server must not take libpq settings of this process (PGPORT, PGDATA...) for its own. */
function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PG')) env[key] = value;
  return { ...env, LC_ALL: 'C' };
}

async function postmasterAlive(dir: string): Promise<boolean> {
  const pid = Number((await readFile(join(dir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
