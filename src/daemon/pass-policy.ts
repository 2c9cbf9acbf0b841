// Which pass a trigger gets, and when the interval timer is armed again. Pure: it only counts.
//
// NOTIFY: the catalog announces every apply, this daemon's own included, and that notification may arrive
// while the pass that applied still runs. A converge pass asked for by notifications alone is skipped when
// the highest version announced is this daemon's own last apply: the schedule already follows it.
//
// Quiet polls: a watched directory is re-read when the watcher reports a change. An interval pass then only
// converges the schedule (drift), and re-reads the whole directory every RELOAD_EVERY_POLLS-th time, as a
// safety net for events a file system did not deliver: reading 10,000 definitions costs about a second of
// CPU. A git source is always fetched: nothing else tells that the remote moved (a webhook is optional).
//
// Timer: the interval pass is rescheduled (poll-delay.ts) after an interval pass, after every full pass (a
// webhook or a file change moves the next poll back), and after every failed pass (the backoff).
import type { PassRequest } from './trigger-queue.js';

export const RELOAD_EVERY_POLLS = 10;

export class PassPolicy {
  /** Highest catalog version announced by NOTIFY. */
  private notifiedVersion = 0;
  /** True until the first full pass has read the directory, and after each change the watcher reports. */
  private directoryChanged = true;
  private quietPolls = 0;

  constructor(private readonly watchesDirectory: boolean) {}

  /** A NOTIFY from the catalog; its payload is the catalog version an apply committed (adapters/catalog/catalog.ts). */
  notified(payload: string): void {
    this.notifiedVersion = Math.max(this.notifiedVersion, Number(payload) || 0);
  }

  /** The watcher saw a change in the configuration directory. */
  directoryChangedNow(): void {
    this.directoryChanged = true;
  }

  /**
   * The pass to run for `request`, or null when there is nothing to do; `ownCatalogVersion` is the catalog
   * version of this daemon's own last apply (null before it has applied anything).
   */
  passFor(request: PassRequest, ownCatalogVersion: number | null): PassRequest | null {
    if (request.kind === 'converge') {
      const onlyOwnNotify = request.reasons.every((r) => r === 'notify') && this.notifiedVersion <= (ownCatalogVersion ?? -1);
      return onlyOwnNotify ? null : request;
    }
    const onlyInterval = request.reasons.every((r) => r === 'interval');
    if (this.watchesDirectory && onlyInterval && !this.directoryChanged && this.quietPolls < RELOAD_EVERY_POLLS - 1) {
      this.quietPolls++;
      return { kind: 'converge', reasons: request.reasons };
    }
    this.quietPolls = 0;
    this.directoryChanged = false;
    return request;
  }
}

/** Whether the pass that ran for `request` arms the interval timer again. */
export function reschedulesPoll(request: PassRequest, consecutiveFailures: number): boolean {
  return request.reasons.includes('interval') || request.kind === 'full' || consecutiveFailures > 0;
}
