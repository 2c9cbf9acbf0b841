// The supervisor of one node's pg_receivewal (docs/operations.md, "The WAL archive"): what `pgbackops
// wal-receive --node NODE` runs in the foreground, and what the daemon runs as a child per archived node.
//
// - One receiver per node: a lock file in the archive directory (the same lock as a run's); a second
//   supervisor refuses to start (E_WAL_RECEIVER_RUNNING).
// - A pg_receivewal left by a supervisor that was killed (SIGKILL, OOM) would keep the slot busy: every
//   pg_receivewal carries a marker in its environment (run-marked-processes.ts) and the next supervisor stops
//   it first. pg_receivewal is also started to die with its supervisor where util-linux setpriv exists.
// - The slot is created by `pg_receivewal --create-slot --if-not-exists` before each start, from the node's
//   current position the first time; pgbackops drops it only when the archive is removed with consent.
// - pg_receivewal restarts with capped exponential backoff (receiver-backoff.ts); it resumes from the last
//   complete segment or the .partial in the directory, so a restart leaves no gap as long as the slot kept the
//   WAL in between.
// - Every few seconds the node is sampled (its WAL position, the slot's retained WAL and wal_status, the
//   receiver's flush position) and the state is reported (the catalog's wal_receivers table).
import { PgbackopsError } from '../../core/errors.js';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import type pg from 'pg';
import type { Logger } from '../../adapters/logger.js';
import { makeDirectory } from '../../adapters/fs/make-directory.js';
import { FileLockTimeoutError, withFileLock } from '../../adapters/os/file-lock.js';
import { libpqEnv, toolProcessEnv } from '../../adapters/postgres/node-connection.js';
import { runProgram, type ProgramResult } from '../../adapters/os/run-program.js';
import { findTool, serverMajor } from '../../adapters/postgres/tools.js';
import { runMarker, stopRunProcesses } from '../../adapters/os/run-marked-processes.js';
import type { ArchivedNode } from '../../core/wal/archived-nodes.js';
import { RECEIVER_BACKOFF, failuresAfterRun, restartDelayMs, type BackoffPolicy } from '../../core/wal/receiver-backoff.js';
import { createSlotArgv, receiverArgv } from '../../core/wal/receiver-argv.js';
import { HEARTBEAT_INTERVAL_MS, lagSecondsOf, type WalReceiverReport } from '../../core/wal/wal-archive-health.js';
import { parseLsn, parseWalFileName } from '../../core/wal/wal-segment.js';
import { connectToNode, sampleSlot } from './wal-slot.js';

export const RECEIVER_LOCK_FILE = '.pgbackops-receiver.lock';

export class WalReceiverBusyError extends PgbackopsError {
  readonly code = 'E_WAL_RECEIVER_RUNNING';
}

export interface WalReceiverOptions {
  node: ArchivedNode;
  server: string;
  archiveDir: string;
  pgBinDirs?: Record<string, string>;
  logger: Logger;
  /** Where reports go (the catalog); a failure to report is logged, never stops the receiver. */
  report: (r: WalReceiverReport) => Promise<void>;
  /** Stops the receiver (SIGTERM, SIGINT, the daemon removing the archive). */
  signal: AbortSignal;
  /** Asked every few heartbeats: false when the configuration no longer archives this node here. */
  stillWanted?: () => Promise<boolean>;
  heartbeatMs?: number;
  backoff?: BackoffPolicy;
}

export type WalReceiverEnd = 'stopped' | 'not-wanted';

/** The marker of a node's pg_receivewal processes (run-marked-processes.ts). */
export function receiverMarker(node: string): string {
  return `wal-receive:${node}`;
}

export async function superviseWalReceiver(options: WalReceiverOptions): Promise<WalReceiverEnd> {
  await makeDirectory(options.archiveDir, 0o700, 0o700);
  try {
    return await withFileLock(join(options.archiveDir, RECEIVER_LOCK_FILE), `pgbackops wal-receive --node ${options.node.name}`, 0, async () => {
      const leftovers = await stopRunProcesses(new Set([receiverMarker(options.node.name)]));
      if (leftovers.length > 0) options.logger.warn({ pids: leftovers }, 'stopped a pg_receivewal left by a supervisor that died');
      return new Supervisor(options).run();
    });
  } catch (err) {
    if (err instanceof FileLockTimeoutError) {
      throw new WalReceiverBusyError(`another WAL receiver of node ${options.node.name} is running (${err.message})`);
    }
    throw err;
  }
}

class Supervisor {
  private readonly state: WalReceiverReport;
  private readonly heartbeatMs: number;
  private readonly backoff: BackoffPolicy;
  /** Stops the current pg_receivewal and the waits: the caller's signal, or the node no longer archived here. */
  private readonly stop = new AbortController();
  private notWanted = false;
  private client: Promise<pg.Client> | null = null;
  private caughtUpAt: number | null = null;
  private beats = 0;

  constructor(private readonly o: WalReceiverOptions) {
    const now = Date.now();
    this.heartbeatMs = o.heartbeatMs ?? HEARTBEAT_INTERVAL_MS;
    this.backoff = o.backoff ?? RECEIVER_BACKOFF;
    this.state = {
      node: o.node.name, server: o.server, slot: o.node.walArchive.slot, state: 'restarting', receiverPid: null, startedAt: now, heartbeatAt: now,
      restarts: 0, lastError: null, lastErrorAt: null, nodeLsn: null, receivedLsn: null, receivedAt: null, lagBytes: null, lagSeconds: null,
      slotRetainedBytes: null, slotWalStatus: null,
    };
  }

  async run(): Promise<WalReceiverEnd> {
    const onAbort = () => this.stop.abort();
    if (this.o.signal.aborted) this.stop.abort();
    else this.o.signal.addEventListener('abort', onAbort, { once: true });
    const heartbeat = setInterval(() => void this.heartbeat(), this.heartbeatMs);
    try {
      await this.heartbeat();
      let failures = 0;
      while (!this.stop.signal.aborted) {
        const started = Date.now();
        const why = await this.receiveOnce();
        if (this.stop.signal.aborted) break;
        failures = failuresAfterRun(failures, Date.now() - started, this.backoff);
        const delay = restartDelayMs(failures, this.backoff);
        this.state.state = 'restarting';
        this.state.receiverPid = null;
        this.state.restarts++;
        this.state.lastError = why;
        this.state.lastErrorAt = Date.now();
        this.o.logger.warn({ node: this.o.node.name, error: why, restartInMs: delay, failures }, 'pg_receivewal stopped; restarting');
        await this.heartbeat();
        await sleep(delay, this.stop.signal);
      }
    } finally {
      clearInterval(heartbeat);
      this.o.signal.removeEventListener('abort', onAbort);
      this.state.state = 'stopped';
      this.state.receiverPid = null;
      await this.heartbeat(false);
      await this.closeClient();
    }
    return this.notWanted ? 'not-wanted' : 'stopped';
  }

  /** Creates the slot if needed, then runs pg_receivewal until it exits; returns why it stopped. */
  private async receiveOnce(): Promise<string> {
    const { node } = this.o;
    let tool: { path: string; major: number };
    try {
      const client = await this.nodeClient();
      tool = await findTool('pg_receivewal', (await serverMajor(client)).major, this.o.pgBinDirs);
    } catch (err) {
      return (err as Error).message;
    }
    const env = { ...toolProcessEnv(libpqEnv(node, node.maintenanceDatabase)), ...runMarker(receiverMarker(node.name)) };
    const create = await runProgram(tool.path, createSlotArgv(node.walArchive.slot), { env, abort: this.stop.signal, timeoutMs: 60_000 });
    if (create.exitCode !== 0) return `creating slot ${node.walArchive.slot}: ${describeExit(create)}`;
    const argv = receiverArgv({ directory: this.o.archiveDir, slot: node.walArchive.slot, compression: node.walArchive.compression, major: tool.major });
    this.state.state = 'running';
    this.o.logger.info({ node: node.name, slot: node.walArchive.slot, program: tool.path }, 'pg_receivewal started');
    const result = await runProgram(tool.path, argv, {
      env, abort: this.stop.signal, dieWithParent: true, stdout: 'ignore',
      onSpawn: (pid) => {
        this.state.receiverPid = pid;
        void this.heartbeat();
      },
    });
    return describeExit(result);
  }

  /** One connection to the node, shared by the heartbeats; a failed one is forgotten so the next reconnects. */
  private nodeClient(): Promise<pg.Client> {
    if (!this.client) {
      const connecting = connectToNode(this.o.node);
      this.client = connecting;
      connecting.catch(() => {
        if (this.client === connecting) this.client = null;
      });
    }
    return this.client;
  }

  private async closeClient(): Promise<void> {
    const client = this.client;
    this.client = null;
    await client?.then((c) => c.end()).catch(() => undefined);
  }

  /** Samples the node and the archive, then reports; never throws. */
  private async heartbeat(checkWanted = true): Promise<void> {
    const now = Date.now();
    this.state.heartbeatAt = now;
    try {
      const sample = await sampleSlot(await this.nodeClient(), this.o.node.walArchive.slot);
      const nodeLsn = parseLsn(sample.nodeLsn);
      const received = sample.flushLsn ?? sample.slot?.restartLsn ?? null;
      const receivedLsn = received === null ? null : parseLsn(received);
      if (receivedLsn !== null && receivedLsn >= nodeLsn) this.caughtUpAt = now;
      Object.assign(this.state, {
        nodeLsn: sample.nodeLsn, receivedLsn: received,
        lagBytes: receivedLsn === null ? null : Number(nodeLsn > receivedLsn ? nodeLsn - receivedLsn : 0n),
        lagSeconds: lagSecondsOf(nodeLsn, receivedLsn, this.caughtUpAt, this.state.startedAt, now),
        slotRetainedBytes: sample.slot?.retainedBytes ?? null, slotWalStatus: sample.slot?.walStatus ?? null,
      });
    } catch (err) {
      // The node is unreachable: positions are unknown until it answers again.
      await this.closeClient();
      Object.assign(this.state, { nodeLsn: null, lagBytes: null, lagSeconds: null });
      this.o.logger.debug({ err: (err as Error).message }, 'could not sample the node');
    }
    this.state.receivedAt = await newestArchiveWrite(this.o.archiveDir).catch(() => this.state.receivedAt);
    await this.o.report({ ...this.state }).catch((err: Error) => this.o.logger.warn({ err: err.message }, 'could not report the WAL receiver state'));
    if (checkWanted && this.o.stillWanted && ++this.beats % 6 === 0 && !this.stop.signal.aborted) {
      const wanted = await this.o.stillWanted().catch(() => true);
      if (!wanted) {
        this.o.logger.info({ node: this.o.node.name }, 'the configuration no longer archives this node here; stopping');
        this.notWanted = true;
        this.stop.abort();
      }
    }
  }
}

/** When a WAL file of the archive was last written (the .partial while streaming), or null when none is. */
async function newestArchiveWrite(dir: string): Promise<number | null> {
  let newest: number | null = null;
  for (const name of await readdir(dir)) {
    const file = parseWalFileName(name);
    if (file?.kind !== 'segment') continue;
    const st = await stat(join(dir, name)).catch(() => null);
    if (st && (newest === null || st.mtimeMs > newest)) newest = st.mtimeMs;
  }
  return newest;
}

function describeExit(result: ProgramResult): string {
  const lastLine = result.stderr.trim().split('\n').filter(Boolean).at(-1);
  if (result.spawnError) return `could not start: ${result.spawnError.message}`;
  const how = result.signal ? `killed by ${result.signal}` : `exited with code ${result.exitCode}`;
  return lastLine ? `${how}: ${lastLine}` : how;
}

/** Waits `ms`, or less when `signal` is aborted meanwhile. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return wait(ms, undefined, { signal }).catch(() => undefined);
}
