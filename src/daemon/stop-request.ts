// The daemon's decision to stop: a signal, or its server's lock taken by another daemon. Whatever would
// start new work (the catalog retry, the interval timer) asks `requested`; the wiring awaits `reason` and
// then shuts down in order.
export class StopRequest {
  requested = false;
  /** Resolves with why the daemon stops (the signal's name, or 'lock lost'). */
  readonly reason: Promise<string>;
  private resolve: (why: string) => void = () => undefined;

  constructor() {
    this.reason = new Promise((resolve) => (this.resolve = resolve));
  }

  request(why: string): void {
    this.requested = true;
    this.resolve(why);
  }
}
