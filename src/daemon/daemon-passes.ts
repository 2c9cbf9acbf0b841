// The daemon's passes: every trigger (start, file change, webhook, interval, NOTIFY) goes through one
// queue (trigger-queue.ts: never two passes at once, a burst folded into one more), the policy decides
// which pass it gets (pass-policy.ts), the reconcile loop runs it, and the interval timer is armed again
// with jitter or backoff (poll-delay.ts). After a full pass that read the whole configuration the heap is
// collected (memory.ts), after one that read only changed files once the heap grew by half; once the daemon
// has been idle for a few seconds after a pass, a settling collection gives back the young generation the
// pass grew.
import type { Logger } from '../adapters/logger.js';
import type { PassRecord } from './daemon-status.js';
import { collectGarbageAfterPass, SettlingCollection } from './memory.js';
import { reschedulesPoll, type PassPolicy } from './pass-policy.js';
import { nextPollDelayMs } from './poll-delay.js';
import type { ReconcileLoop } from './reconcile-loop.js';
import type { StopRequest } from './stop-request.js';
import { TriggerQueue, type PassKind, type PassRequest } from './trigger-queue.js';

export interface DaemonPassesOptions {
  loop: Pick<ReconcileLoop, 'run' | 'consecutiveFailures' | 'ownCatalogVersion'> & Partial<Pick<ReconcileLoop, 'lastPassReadWhole'>>;
  policy: PassPolicy;
  intervalMs: number;
  /** Once requested, no interval pass is scheduled any more. */
  stop: StopRequest;
  logger: Logger;
  /** What follows every pass that ran (one-off jobs, the apply state for notifications). */
  afterPass: (record: PassRecord) => Promise<void>;
  /** The collection once idle after a pass (memory.ts); the tests give one that counts. */
  settling?: Pick<SettlingCollection, 'afterPass' | 'cancel'>;
}

export class DaemonPasses {
  private readonly queue: TriggerQueue;
  private pollTimer: NodeJS.Timeout | null = null;
  private readonly settling: Pick<SettlingCollection, 'afterPass' | 'cancel'>;

  constructor(private readonly o: DaemonPassesOptions) {
    this.settling = o.settling ?? new SettlingCollection();
    this.queue = new TriggerQueue((request) => this.run(request), (err) => o.logger.error({ err: (err as Error).message }, 'pass crashed'));
  }

  trigger(kind: PassKind, reason: string): void {
    this.queue.trigger(kind, reason);
  }

  /** No more passes: the timer cleared, pending triggers dropped; resolves when the running pass has finished. */
  async close(): Promise<void> {
    this.clearPoll();
    this.settling.cancel();
    await this.queue.close();
  }

  private async run(request: PassRequest): Promise<void> {
    const { loop, policy } = this.o;
    const pass = policy.passFor(request, loop.ownCatalogVersion);
    if (pass === null) return;
    this.settling.cancel();
    const record = await loop.run(pass);
    if (record.kind === 'full') collectGarbageAfterPass(loop.lastPassReadWhole !== false);
    await this.o.afterPass(record);
    this.settling.afterPass();
    if (reschedulesPoll(request, loop.consecutiveFailures)) this.schedulePoll();
  }

  private schedulePoll(): void {
    this.clearPoll();
    if (this.o.stop.requested) return;
    const delay = nextPollDelayMs(this.o.intervalMs, this.o.loop.consecutiveFailures, Math.random());
    this.pollTimer = setTimeout(() => {
      if (!this.o.stop.requested) this.queue.trigger('full', 'interval');
    }, delay);
  }

  private clearPoll(): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
  }
}
