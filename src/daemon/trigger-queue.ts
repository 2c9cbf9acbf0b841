// Serialises reconcile passes: a pass never overlaps another, and every trigger that arrives while a pass
// runs is folded into ONE more pass afterwards (a burst of file events or notifications costs one pass, not
// one each). A full pass (load + apply + converge) includes what a converge-only pass does, so it wins.

export type PassKind = 'converge' | 'full';

export interface PassRequest {
  kind: PassKind;
  /** What asked for the pass (start, file change, interval, webhook, notify, ...), deduplicated. */
  reasons: string[];
}

export class TriggerQueue {
  private pending: PassRequest | null = null;
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly runPass: (request: PassRequest) => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  trigger(kind: PassKind, reason: string): void {
    if (this.closed) return;
    if (this.pending) {
      if (kind === 'full') this.pending.kind = 'full';
      if (!this.pending.reasons.includes(reason)) this.pending.reasons.push(reason);
    } else {
      this.pending = { kind, reasons: [reason] };
    }
    if (!this.running) this.running = this.drain();
  }

  /** True while a pass runs. */
  get busy(): boolean {
    return this.running !== null;
  }

  /** Drops pending triggers and resolves when the pass in progress (if any) has finished. */
  async close(): Promise<void> {
    this.closed = true;
    this.pending = null;
    await this.running;
  }

  /** Resolves when no pass runs and none is pending (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending && !this.closed) {
        const request = this.pending;
        this.pending = null;
        try {
          await this.runPass(request);
        } catch (err) {
          this.onError(err);
        }
      }
    } finally {
      this.running = null;
    }
  }
}
