// A private PostgreSQL instance: initialised (initdb) and started (pg_ctl) on demand under a directory we own.
// The local catalog and the test harness both use this module, so the code path that tests exercise is the
// one production runs.
//
// Safety properties:
// - Several processes may call ensureInstance at once: the already-running fast path takes no lock; the slow
//   path (initdb/start) runs under a lock file next to the data directory and re-checks state once it holds it.
// - initdb writes into a temporary sibling directory that is renamed into place only when complete, so a crash
//   mid-initialisation never leaves a half-made data directory that looks real.
// - A stale postmaster.pid after a crash is handled by pg_ctl/postgres (pid not alive -> overwritten); while a
//   killed postmaster's children are still exiting, the start is retried.
// - Nothing passes through a shell that we control. pg_ctl itself builds a /bin/sh command line from the data
//   directory and log file paths (inside double quotes), so those paths are refused if they hold characters
//   that mean something inside double quotes. Settings go into a config file rather than pg_ctl -o.
import { appendFile, chmod, chown, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { findServerBinaries, type ServerBinaries } from './binaries.js';
import { withFileLock } from '../os/file-lock.js';
import { instanceOwner, instanceOwnerName, isRoot, spawnAs, type OsUser } from '../os/os-user.js';
import { isProcessAlive, processState } from '../os/process-alive.js';
import { runProgram } from '../os/run-program.js';
import { PgbackopsError } from '../../core/errors.js';

export interface InstanceOptions {
  dataDir: string;
  /** Directory for the Unix socket; dedicated to this instance (made private: owner only, mode 0700). */
  socketDir: string;
  logFile: string;
  /** Default: 5432 for a socket-only instance (the socket is private anyway), a free port with listenTcp. */
  port?: number;
  /** Also listen on 127.0.0.1 (tests that need TCP). Default: Unix socket only. */
  listenTcp?: boolean;
  /** Authentication for TCP connections (default trust: test clusters only). */
  tcpAuth?: 'trust' | 'scram-sha-256';
  /** OS user that runs the instance when we are root (default postgres). Ignored for a normal user. */
  runAsUser?: string;
  /** initdb --no-sync and fsync=off: for throwaway test clusters only, never for a real catalog. */
  unsafeNoSync?: boolean;
  /** Major version to initialise a new data directory with (an existing one always uses its own). */
  preferredMajor?: number;
  /** How long to wait for another process that is initialising/starting the same instance. */
  lockTimeoutMs?: number;
  /** pg_ctl -w timeout. */
  startTimeoutSeconds?: number;
}

export interface RunningInstance {
  /** Ready for pg: the socket (or 127.0.0.1 with listenTcp), the bootstrap superuser, database postgres. */
  config: pg.ClientConfig;
  dataDir: string;
  socketDir: string;
  port: number;
  /** Postmaster pid. */
  pid: number;
  /** The bootstrap superuser (named after the OS user running the instance). */
  superuser: string;
  startedNow: boolean;
  initialisedNow: boolean;
}

export class InstanceError extends PgbackopsError {
  readonly code = 'E_LOCAL_INSTANCE';
}

/** File holding the settings pgbackops controls, rewritten before every start; included from postgresql.conf. */
const SETTINGS_FILE = 'pgbackops.conf';
const DEFAULT_SOCKET_PORT = 5432;
// sun_path is 108 bytes on Linux, including the terminating NUL.
const MAX_SOCKET_PATH = 107;
const START_ATTEMPTS = 3;
// How long a running postmaster may take to accept connections (recovery after a crash included).
const READY_TIMEOUT_MS = 60_000;

/** Makes sure the instance is initialised and running, and returns how to connect to it. */
export async function ensureInstance(options: InstanceOptions): Promise<RunningInstance> {
  const opts = normaliseOptions(options);

  // Fast path: already running and answering. No lock, no file touched, and no lookup of the instance user
  // (spawning `id` costs more than connecting): connecting needs only its name.
  const running = await connectToRunning(opts, instanceOwnerName(opts.runAsUser), { startedNow: false, initialisedNow: false });
  if (running) return running;

  const owner = await instanceOwner(opts.runAsUser);

  // The lock file lives beside the data directory.
  await mkdir(path.dirname(opts.dataDir), { recursive: true, mode: 0o711 });
  return withFileLock(`${opts.dataDir}.lock`, `initialise/start PostgreSQL in ${opts.dataDir}`, opts.lockTimeoutMs, async () => {
    await prepareDirectories(opts, owner);
    const initialisedNow = await initialiseIfNeeded(opts, owner);
    // Another process may have started it while we waited for the lock.
    const startedMeanwhile = await connectToRunning(opts, owner.name, { startedNow: false, initialisedNow });
    if (startedMeanwhile) return startedMeanwhile;
    return start(opts, owner, initialisedNow);
  });
}

/**
 * How to reach the instance in dataDir as its superuser, if postmaster.pid names a live postmaster with a
 * socket; null otherwise. Nothing is connected: the caller's own first connection is the probe, and one that
 * fails sends it to ensureInstance.
 */
export async function runningInstanceConfig(dataDir: string, runAsUser?: string): Promise<pg.ClientConfig | null> {
  const pidFile = await readPostmasterPid(path.resolve(dataDir));
  if (!pidFile || !isProcessAlive(pidFile.pid) || pidFile.port === undefined || !pidFile.socketDir) return null;
  return { host: pidFile.socketDir, port: pidFile.port, user: instanceOwnerName(runAsUser), database: 'postgres' };
}

/** Stops the instance if it runs. `fast` disconnects clients and checkpoints; `immediate` is a crash stop. */
export async function stopInstance(dataDir: string, mode: 'fast' | 'immediate' = 'fast'): Promise<{ wasRunning: boolean }> {
  const dir = path.resolve(dataDir);
  const pidFile = await readPostmasterPid(dir);
  if (!pidFile || !isProcessAlive(pidFile.pid)) return { wasRunning: false };
  const binaries = await binariesFor(dir);
  const owner = await dataDirOwner(dir);
  const result = await runProgram(binaries.pgCtl, ['stop', '-D', dir, '-m', mode, '-w', '-t', '120', '-s'], {
    ...spawnAs(owner),
    cwd: '/',
    env: serverEnv(),
  });
  if (result.exitCode !== 0 && isProcessAlive(pidFile.pid)) {
    throw new InstanceError(`pg_ctl stop (${mode}) failed for ${dir}: ${result.stderr.trim() || result.stdout.trim()}`);
  }
  return { wasRunning: true };
}

export interface InstanceState {
  initialised: boolean;
  running: boolean;
  pid?: number;
  port?: number;
  socketDir?: string;
}

/** What is on disk and alive, without connecting (for status/doctor output). */
export async function readInstanceState(dataDir: string): Promise<InstanceState> {
  const dir = path.resolve(dataDir);
  const initialised = await exists(path.join(dir, 'PG_VERSION'));
  const pidFile = initialised ? await readPostmasterPid(dir) : null;
  if (!pidFile || !isProcessAlive(pidFile.pid)) return { initialised, running: false };
  return { initialised, running: true, pid: pidFile.pid, port: pidFile.port, socketDir: pidFile.socketDir };
}

// ---------------------------------------------------------------------------------------------------------

type NormalisedOptions = Required<Omit<InstanceOptions, 'port' | 'runAsUser' | 'preferredMajor'>> &
  Pick<InstanceOptions, 'port' | 'runAsUser' | 'preferredMajor'>;

function normaliseOptions(options: InstanceOptions): NormalisedOptions {
  const opts: NormalisedOptions = {
    ...options,
    dataDir: path.resolve(options.dataDir),
    socketDir: path.resolve(options.socketDir),
    logFile: path.resolve(options.logFile),
    listenTcp: options.listenTcp ?? false,
    tcpAuth: options.tcpAuth ?? 'trust',
    unsafeNoSync: options.unsafeNoSync ?? false,
    lockTimeoutMs: options.lockTimeoutMs ?? 120_000,
    startTimeoutSeconds: options.startTimeoutSeconds ?? 60,
  };
  assertSafeForPgCtl('data directory', opts.dataDir);
  assertSafeForPgCtl('log file', opts.logFile);
  assertSafeForPgCtl('socket directory', opts.socketDir);
  const socketPath = path.join(opts.socketDir, `.s.PGSQL.${opts.port ?? 65535}`);
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    throw new InstanceError(
      `socket directory ${opts.socketDir} is too long for a Unix socket path (${socketPath} exceeds ${MAX_SOCKET_PATH} bytes); choose a shorter state directory`,
    );
  }
  if (opts.port !== undefined && (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535)) {
    throw new InstanceError(`invalid port ${opts.port}`);
  }
  return opts;
}

// pg_ctl runs `exec "postgres" -D "<dataDir>" ... >> "<logFile>"` through /bin/sh: inside double quotes,
// $ ` " \ are still special, and control characters would break the settings file.
function assertSafeForPgCtl(what: string, value: string): void {
  if (/["$`\\]/.test(value) || /\p{Cc}/u.test(value)) {
    throw new InstanceError(`${what} ${JSON.stringify(value)} contains characters (" $ \` \\ or control characters) that pg_ctl cannot pass safely`);
  }
}

async function prepareDirectories(opts: NormalisedOptions, owner: OsUser): Promise<void> {
  await mkdir(path.dirname(opts.dataDir), { recursive: true, mode: 0o711 });
  await mkdir(path.dirname(opts.logFile), { recursive: true, mode: 0o711 });

  // The socket directory is the access control for the instance (local connections are trusted, see
  // writeHba), so it must be private to the instance owner; a shared directory such as /tmp is refused.
  const socketStat = await stat(opts.socketDir).catch(() => null);
  if (socketStat && (socketStat.mode & 0o002) !== 0) {
    throw new InstanceError(`socket directory ${opts.socketDir} is world-writable; it must be a private directory for this instance`);
  }
  await mkdir(opts.socketDir, { recursive: true, mode: 0o700 });
  await chownToOwner(opts.socketDir, owner);
  await chmod(opts.socketDir, 0o700);

  // The server appends to the log file as the instance owner.
  const log = await open(opts.logFile, 'a', 0o600);
  await log.close();
  await chownToOwner(opts.logFile, owner);

  if (isRoot()) {
    for (const dir of [path.dirname(opts.dataDir), opts.socketDir, path.dirname(opts.logFile)]) {
      await assertSearchableBy(dir, owner);
    }
  }
}

/** Every directory from / down to `dir` must let `owner` through, or initdb/postgres fail obscurely later. */
async function assertSearchableBy(dir: string, owner: OsUser): Promise<void> {
  const parts = path.resolve(dir).split(path.sep).filter(Boolean);
  let current: string = path.sep;
  for (const part of [null, ...parts]) {
    if (part !== null) current = path.join(current, part);
    const st = await stat(current);
    // Spawned processes keep only their primary group (supplementary groups are dropped with root).
    const bit = st.uid === owner.uid ? 0o100 : st.gid === owner.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) {
      throw new InstanceError(
        `PostgreSQL runs as ${owner.name}, who cannot enter ${current} (mode ${(st.mode & 0o777).toString(8)}); ` +
          'give it search permission (e.g. chmod o+x) or choose another directory',
      );
    }
  }
}

async function chownToOwner(file: string, owner: OsUser): Promise<void> {
  if (isRoot()) await chown(file, owner.uid, owner.gid);
}

/** Returns true when it created the data directory now. */
async function initialiseIfNeeded(opts: NormalisedOptions, owner: OsUser): Promise<boolean> {
  const dataStat = await stat(opts.dataDir).catch(() => null);
  if (dataStat) {
    const entries = await readdir(opts.dataDir);
    if (entries.includes('PG_VERSION')) {
      if (!(await exists(path.join(opts.dataDir, 'global', 'pg_control')))) {
        throw new InstanceError(`${opts.dataDir} is an incomplete PostgreSQL data directory (no global/pg_control); remove it to re-initialise`);
      }
      if (isRoot() && dataStat.uid !== owner.uid) {
        throw new InstanceError(`${opts.dataDir} belongs to uid ${dataStat.uid}, not to ${owner.name} (uid ${owner.uid}) who runs the instance`);
      }
      return false;
    }
    if (entries.length > 0) {
      throw new InstanceError(`${opts.dataDir} exists, is not empty and is not a PostgreSQL data directory; refusing to touch it`);
    }
    // An existing empty directory (possibly a mount point, which cannot be renamed over): initialise in place.
    await chownToOwner(opts.dataDir, owner);
    await chmod(opts.dataDir, 0o700);
    await initdb(opts.dataDir, opts, owner);
    return true;
  }

  await removeLeftoverTemporaries(opts.dataDir);
  const temporary = `${opts.dataDir}.initdb-${process.pid}-${randomBytes(4).toString('hex')}`;
  await mkdir(temporary, { mode: 0o700 });
  try {
    await chownToOwner(temporary, owner);
    await initdb(temporary, opts, owner);
    await rename(temporary, opts.dataDir);
  } catch (err) {
    await rm(temporary, { recursive: true, force: true });
    throw err;
  }
  return true;
}

/** Temporary initdb directories left by a process that crashed mid-initialisation (we hold the lock). */
async function removeLeftoverTemporaries(dataDir: string): Promise<void> {
  const prefix = `${path.basename(dataDir)}.initdb-`;
  for (const entry of await readdir(path.dirname(dataDir))) {
    if (entry.startsWith(prefix)) await rm(path.join(path.dirname(dataDir), entry), { recursive: true, force: true });
  }
}

async function initdb(dir: string, opts: NormalisedOptions, owner: OsUser): Promise<void> {
  const binaries = await findServerBinaries(opts.preferredMajor);
  const args = [
    '-D', dir,
    // The bootstrap superuser is named after the OS user running the instance, as PostgreSQL does by default.
    '-U', owner.name,
    '-E', 'UTF8',
    '--locale=C',
    // pg_hba.conf is rewritten by writeHba before every start; these are placeholders until then.
    '--auth-local=trust',
    '--auth-host=reject',
    ...(opts.unsafeNoSync ? ['--no-sync'] : []),
  ];
  const result = await runProgram(binaries.initdb, args, { ...spawnAs(owner), cwd: '/', env: serverEnv() });
  if (result.exitCode !== 0) {
    throw new InstanceError(`initdb failed for ${dir} (${binaries.initdb}): ${result.stderr.trim() || result.stdout.trim()}`);
  }
  await appendFile(
    path.join(dir, 'postgresql.conf'),
    `\n# pgbackops: how this private instance listens is kept in ${SETTINGS_FILE} (rewritten before every start).\ninclude_if_exists = '${SETTINGS_FILE}'\n`,
  );
}

async function start(opts: NormalisedOptions, owner: OsUser, initialisedNow: boolean): Promise<RunningInstance> {
  const binaries = await binariesFor(opts.dataDir);
  let lastFailure = '';
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    await waitForReapedPostmaster(opts.dataDir);
    const port = opts.port ?? (opts.listenTcp ? await freeTcpPort() : DEFAULT_SOCKET_PORT);
    await writeSettings(opts, owner, port);
    await writeHba(opts, owner);
    const logSize = await fileSize(opts.logFile);
    const result = await runProgram(
      binaries.pgCtl,
      ['start', '-D', opts.dataDir, '-l', opts.logFile, '-w', '-t', String(opts.startTimeoutSeconds), '-s'],
      { ...spawnAs(owner), cwd: '/', env: serverEnv() },
    );
    if (result.exitCode === 0) {
      const running = await connectToRunning(opts, owner.name, { startedNow: true, initialisedNow });
      if (running) return running;
    }
    lastFailure = [result.stderr.trim(), await readLogSince(opts.logFile, logSize)].filter(Boolean).join('\n');
    // A SIGKILLed postmaster's children may still hold its shared memory for a moment; a TCP port picked as free
    // may have been taken meanwhile. Both clear up on a retry.
    await sleep(300 * attempt);
    const startedByOther = await connectToRunning(opts, owner.name, { startedNow: false, initialisedNow });
    if (startedByOther) return startedByOther;
  }
  throw new InstanceError(`could not start PostgreSQL in ${opts.dataDir} after ${START_ATTEMPTS} attempts:\n${lastFailure}`);
}

// postgres refuses to start while the pid in postmaster.pid answers kill(0), which a killed but not yet
// reaped postmaster still does. Reaping is up to its parent (init, once pg_ctl has exited): wait for it.
async function waitForReapedPostmaster(dataDir: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const pidFile = await readPostmasterPid(dataDir);
    if (!pidFile || processState(pidFile.pid) !== 'zombie') return;
    if (Date.now() >= deadline) {
      throw new InstanceError(
        `the previous postmaster of ${dataDir} (pid ${pidFile.pid}) was killed but never reaped by its parent; PostgreSQL cannot start until it is`,
      );
    }
    await sleep(100);
  }
}

// Settings we own. Written as the instance owner's file (postgres must be able to read it).
async function writeSettings(opts: NormalisedOptions, owner: OsUser, port: number): Promise<void> {
  const lines = [
    '# Managed by pgbackops: rewritten before every start of this instance. Do not edit.',
    `listen_addresses = '${opts.listenTcp ? '127.0.0.1' : ''}'`,
    `port = ${port}`,
    `unix_socket_directories = ${quoteConf(opts.socketDir)}`,
    "timezone = 'UTC'",
    "log_timezone = 'UTC'",
  ];
  if (opts.unsafeNoSync) {
    // Survives a killed server (tests crash it on purpose), not a crashed machine. synchronous_commit stays on:
    // with it off, commits acknowledged just before an immediate stop would be lost.
    lines.push('# Throwaway test cluster: durability against machine crashes traded for speed.', 'fsync = off', 'full_page_writes = off');
  }
  await writeOwnedFile(path.join(opts.dataDir, SETTINGS_FILE), `${lines.join('\n')}\n`, owner);
}

// Local (Unix socket) connections are trusted: the socket lives in a directory only the instance owner (and
// root) can enter, so reaching the socket already proves being that user, the same guarantee `peer` gives,
// without needing a role per connecting OS user. TCP is off unless a test asks for it.
async function writeHba(opts: NormalisedOptions, owner: OsUser): Promise<void> {
  const lines = [
    '# Managed by pgbackops: rewritten before every start of this instance. Do not edit.',
    'local   all   all                 trust',
    'local   replication   all         trust',
  ];
  if (opts.listenTcp) {
    lines.push(`host    all   all   127.0.0.1/32  ${opts.tcpAuth}`, `host    replication   all   127.0.0.1/32  ${opts.tcpAuth}`);
  }
  await writeOwnedFile(path.join(opts.dataDir, 'pg_hba.conf'), `${lines.join('\n')}\n`, owner);
}

async function writeOwnedFile(file: string, content: string, owner: OsUser): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode: 0o600 });
  await chownToOwner(temporary, owner);
  await rename(temporary, file);
}

function quoteConf(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Connects to the instance if its postmaster is alive, waiting while it is still starting or recovering.
 * Returns null when no live postmaster owns the data directory.
 */
async function connectToRunning(
  opts: NormalisedOptions,
  superuser: string,
  how: { startedNow: boolean; initialisedNow: boolean },
): Promise<RunningInstance | null> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError = '';
  for (;;) {
    const pidFile = await readPostmasterPid(opts.dataDir);
    if (!pidFile || !isProcessAlive(pidFile.pid)) return null;
    if (pidFile.port !== undefined && pidFile.socketDir) {
      const config: pg.ClientConfig = { host: pidFile.socketDir, port: pidFile.port, user: superuser, database: 'postgres' };
      const probe = await tryConnect(config);
      if (probe === true) {
        if (opts.listenTcp && pidFile.listenAddress !== '127.0.0.1') {
          throw new InstanceError(`the instance in ${opts.dataDir} is already running without TCP; stop it first to restart it with TCP`);
        }
        return {
          config: opts.listenTcp ? { ...config, host: '127.0.0.1' } : config,
          dataDir: opts.dataDir,
          socketDir: pidFile.socketDir,
          port: pidFile.port,
          pid: pidFile.pid,
          superuser,
          ...how,
        };
      }
      lastError = probe;
    }
    if (Date.now() >= deadline) {
      throw new InstanceError(`PostgreSQL in ${opts.dataDir} (pid ${pidFile.pid}) is running but does not accept connections: ${lastError || 'no socket yet'}`);
    }
    await sleep(100);
  }
}

async function tryConnect(config: pg.ClientConfig): Promise<true | string> {
  const client = new pg.Client({ ...config, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

interface PostmasterPid {
  pid: number;
  port?: number;
  socketDir?: string;
  listenAddress?: string;
  status?: string;
}

// postmaster.pid: pid, data dir, start time, port, first socket dir, first listen address, shmem key, status.
async function readPostmasterPid(dataDir: string): Promise<PostmasterPid | null> {
  let text: string;
  try {
    text = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  const port = lines[3] ? Number(lines[3]) : undefined;
  return {
    pid,
    port: port !== undefined && Number.isInteger(port) ? port : undefined,
    socketDir: lines[4]?.trim() || undefined,
    listenAddress: lines[5]?.trim(),
    status: lines[7]?.trim(),
  };
}

/** Binaries of the major version the data directory was initialised with: any other major cannot run it. */
async function binariesFor(dataDir: string): Promise<ServerBinaries> {
  const version = (await readFile(path.join(dataDir, 'PG_VERSION'), 'utf8')).trim();
  return findServerBinaries(Number(version), { requireMajor: true });
}

async function dataDirOwner(dataDir: string): Promise<OsUser> {
  // pg_ctl must run as whoever owns the data directory; its name does not matter here.
  const st = await stat(dataDir);
  return { name: `uid ${st.uid}`, uid: st.uid, gid: st.gid };
}

/** The server's environment: ours minus libpq/server PG* variables, which would otherwise change its defaults. */
function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('PG')) env[key] = value;
  }
  env.LC_ALL = 'C';
  return env;
}

async function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function fileSize(file: string): Promise<number> {
  return (await stat(file).catch(() => null))?.size ?? 0;
}

async function readLogSince(file: string, offset: number): Promise<string> {
  const bytes = await readFile(file).catch(() => Buffer.alloc(0));
  return bytes.subarray(offset).toString('utf8').trim().split('\n').slice(-20).join('\n');
}

async function exists(file: string): Promise<boolean> {
  return (await stat(file).catch(() => null)) !== null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
