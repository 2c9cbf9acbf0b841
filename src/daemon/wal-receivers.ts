// The daemon's WAL receivers (docs/operations.md, "The WAL archive"): one `pgbackops wal-receive --node NODE`
// child per enabled archive of this server, restarted with capped exponential backoff when it exits, stopped when
// the archive is removed or disabled and when the daemon stops.
//
// Slot drops: the archives this daemon receives are remembered in <stateDir>/wal-receivers/<server>.json. An
// archive that is no longer wanted was removed with consent (the plan holds such a change back without
// --allow-slot-drop, core/plan/slot-drops.ts), so once its receiver has stopped the daemon drops its slot on the
// node, unless the catalog still wants that slot on another server (the archive moved), or a process other
// than ours streams from it (then it retries at the next pass). The remembered entry goes only after the drop,
// so a daemon killed in between drops it after its restart.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import type { Logger } from '../adapters/logger.js';
import { writeFileAtomic } from '../adapters/fs/atomic-write.js';
import type { ActualObject } from '../core/objects.js';
import { wantedSlot } from '../core/plan/slot-drops.js';
import type { ArchivedNode } from '../core/wal/archived-nodes.js';
import { RECEIVER_BACKOFF, failuresAfterRun, restartDelayMs, type BackoffPolicy } from '../core/wal/receiver-backoff.js';
import type { Settings } from '../runtime/settings.js';
import { dropSlot } from '../methods/basebackup/wal-slot.js';

interface Running {
  node: ArchivedNode;
  stop: AbortController;
  child: ResultPromise | null;
  done: Promise<void>;
}

/** The archives received here, and those whose slot is still to be dropped. */
type Remembered = ArchivedNode[];

export interface WalReceiversOptions {
  settings: () => Settings;
  server: string;
  logger: Logger;
  /** The catalog's objects (asked only when an archive went away: whether its slot is still wanted elsewhere). */
  catalogObjects: () => Promise<readonly ActualObject[]>;
  /** Removes the report of an archive that is gone from this server. */
  forgetReport: (node: string) => Promise<void>;
  backoff?: BackoffPolicy;
}

export class WalReceivers {
  private readonly running = new Map<string, Running>();
  private syncing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly o: WalReceiversOptions) {}

  get count(): number {
    return this.running.size;
  }

  /** Names of the nodes whose receivers run, for /status. */
  get nodes(): string[] {
    return [...this.running.keys()].sort();
  }

  /** Converges the receivers to `archives` (this server's, from its definition cache); serialised. */
  sync(archives: readonly ArchivedNode[]): Promise<void> {
    this.syncing = this.syncing.then(() => this.syncNow(archives)).catch((err: Error) => this.o.logger.error({ err: err.message }, 'WAL receivers: sync failed'));
    return this.syncing;
  }

  private async syncNow(archives: readonly ArchivedNode[]): Promise<void> {
    if (this.closed) return;
    const wanted = new Map(archives.filter((a) => a.walArchive.enabled).map((a) => [a.name, a]));
    for (const [name, r] of [...this.running]) {
      const want = wanted.get(name);
      if (!want || JSON.stringify(want) !== JSON.stringify(r.node)) await this.stopOne(name, want ? 'its archive changed' : 'its archive is gone');
    }
    for (const [name, node] of wanted) if (!this.running.has(name)) this.startOne(node);
    await this.dropUnwantedSlots(wanted);
  }

  private startOne(node: ArchivedNode): void {
    const stop = new AbortController();
    const entry: Running = { node, stop, child: null, done: Promise.resolve() };
    entry.done = this.keepRunning(entry);
    this.running.set(node.name, entry);
  }

  private async keepRunning(entry: Running): Promise<void> {
    const log = this.o.logger.child({ node: entry.node.name });
    const backoff = this.o.backoff ?? RECEIVER_BACKOFF;
    let failures = 0;
    while (!entry.stop.signal.aborted) {
      const settings = this.o.settings();
      const started = Date.now();
      entry.child = execa(process.execPath, [settings.binary, 'wal-receive', '--node', entry.node.name, '--state-dir', settings.stateDir, '--server', this.o.server], {
        reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'inherit',
        // The catalog URL goes through the environment, never the command line (ps shows argv to everyone).
        env: settings.catalogUrl ? { PGBACKOPS_CATALOG_URL: settings.catalogUrl } : {},
        cancelSignal: entry.stop.signal, forceKillAfterDelay: 30_000,
      });
      log.info({ childPid: entry.child.pid }, 'WAL receiver started');
      const result = await entry.child;
      entry.child = null;
      if (entry.stop.signal.aborted) break;
      failures = failuresAfterRun(failures, Date.now() - started, backoff);
      const delay = restartDelayMs(failures, backoff);
      log.warn({ exitCode: result.exitCode, signal: result.signal, restartInMs: delay }, 'WAL receiver exited; restarting');
      await sleep(delay, entry.stop.signal);
    }
    log.info('WAL receiver stopped');
  }

  private async stopOne(name: string, why: string): Promise<void> {
    const r = this.running.get(name);
    if (!r) return;
    this.o.logger.info({ node: name, why }, 'stopping WAL receiver');
    r.stop.abort();
    await r.done;
    this.running.delete(name);
  }

  /** Stops every receiver (SIGTERM; SIGKILL after graceMs). */
  async stopAll(graceMs: number): Promise<void> {
    this.closed = true;
    await this.syncing;
    const all = [...this.running.values()];
    const timer = setTimeout(() => {
      for (const r of all) r.child?.kill('SIGKILL');
    }, graceMs);
    for (const r of all) r.stop.abort();
    await Promise.all(all.map((r) => r.done));
    clearTimeout(timer);
    this.running.clear();
  }

  /** The daemon exits at once (a second signal): SIGKILL to every receiver, whose pg_receivewal dies with it. */
  kill(): void {
    for (const r of this.running.values()) r.child?.kill('SIGKILL');
  }

  private rememberedPath(): string {
    return join(this.o.settings().stateDir, 'wal-receivers', `${this.o.server}.json`);
  }

  private async readRemembered(): Promise<Remembered> {
    try {
      return JSON.parse(await readFile(this.rememberedPath(), 'utf8')) as Remembered;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  private async dropUnwantedSlots(wanted: ReadonlyMap<string, ArchivedNode>): Promise<void> {
    const remembered = await this.readRemembered();
    const next: Remembered = [...wanted.values()];
    const gone = remembered.filter((old) => wanted.get(old.name)?.walArchive.slot !== old.walArchive.slot);
    if (gone.length > 0) {
      const objects = await this.o.catalogObjects();
      for (const old of gone) {
        const slot = old.walArchive.slot;
        const stillWanted = objects.some((o) => o.kind === 'Node' && o.name === old.name && wantedSlot(o.spec) === slot);
        if (stillWanted) {
          this.o.logger.info({ node: old.name, slot }, 'WAL archive moved to another backup server: its slot is kept');
        } else {
          try {
            const outcome = await dropSlot(old, slot);
            if (typeof outcome === 'object') {
              this.o.logger.warn({ node: old.name, slot, activePid: outcome.inUseBy }, 'replication slot not dropped: another process streams from it; retrying at the next pass');
              next.push(old);
              continue;
            }
            this.o.logger.info({ node: old.name, slot, outcome }, 'replication slot of a removed WAL archive dropped');
          } catch (err) {
            this.o.logger.warn({ node: old.name, slot, err: (err as Error).message }, 'could not drop the replication slot of a removed WAL archive; retrying at the next pass');
            next.push(old);
            continue;
          }
        }
        if (!wanted.has(old.name)) await this.o.forgetReport(old.name).catch(() => undefined);
      }
    }
    if (JSON.stringify(next) !== JSON.stringify(remembered)) {
      await mkdir(join(this.o.settings().stateDir, 'wal-receivers'), { recursive: true, mode: 0o700 });
      await writeFileAtomic(this.rememberedPath(), JSON.stringify(next, null, 2) + '\n');
    }
  }
}

/** Waits `ms`, or less when `signal` is aborted meanwhile. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return wait(ms, undefined, { signal }).catch(() => undefined);
}
