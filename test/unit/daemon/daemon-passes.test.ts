// The daemon's passes driven end to end without a catalog: the reconcile loop is replaced by a recorder of
// the passes it is asked to run (the loop itself runs against PostgreSQL in test/integration/daemon/), and
// the interval timer by vitest's fake clock.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../src/adapters/logger.js';
import { DaemonPasses } from '../../../src/daemon/daemon-passes.js';
import type { PassRecord } from '../../../src/daemon/daemon-status.js';
import { PassPolicy } from '../../../src/daemon/pass-policy.js';
import { StopRequest } from '../../../src/daemon/stop-request.js';
import type { PassRequest } from '../../../src/daemon/trigger-queue.js';

const INTERVAL_MS = 60_000;

function recordingLoop(results: Array<'applied' | 'failed'> = []) {
  const loop = {
    requests: [] as PassRequest[],
    consecutiveFailures: 0,
    ownCatalogVersion: null as number | null,
    async run(request: PassRequest): Promise<PassRecord> {
      loop.requests.push(structuredClone(request));
      const result = results.shift() ?? 'applied';
      loop.consecutiveFailures = result === 'failed' ? loop.consecutiveFailures + 1 : 0;
      return {
        id: String(loop.requests.length), kind: request.kind, reasons: request.reasons, startedAt: '', finishedAt: '', durationMs: 0,
        result, revision: null, error: null, blockedDeletes: [], driftCorrections: 0,
      };
    },
  };
  return loop;
}

/** Lets the queue's pass (and what follows it) finish. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

let stop: StopRequest;
beforeEach(() => {
  vi.useFakeTimers();
  stop = new StopRequest();
});
afterEach(() => {
  vi.useRealTimers();
});

function passes(loop: ReturnType<typeof recordingLoop>, policy = new PassPolicy(true), after: PassRecord[] = []): DaemonPasses {
  return new DaemonPasses({ loop, policy, intervalMs: INTERVAL_MS, stop, logger: silentLogger, afterPass: async (r) => void after.push(r) });
}

describe('DaemonPasses', () => {
  it('runs the first full pass, then polls at the interval (with jitter): quiet polls of a directory converge', async () => {
    const loop = recordingLoop();
    const after: PassRecord[] = [];
    const p = passes(loop, new PassPolicy(true), after);
    p.trigger('full', 'start');
    await settle();
    expect(loop.requests).toEqual([{ kind: 'full', reasons: ['start'] }]);
    expect(after.map((r) => r.id)).toEqual(['1']);

    await vi.advanceTimersByTimeAsync(INTERVAL_MS * 1.1);
    expect(loop.requests.slice(1)).toEqual([{ kind: 'converge', reasons: ['interval'] }]);
    // ... and the poll armed itself again.
    await vi.advanceTimersByTimeAsync(INTERVAL_MS * 1.1);
    expect(loop.requests).toHaveLength(3);
    await p.close();
  });

  it('skips the converge of its own apply\'s NOTIFY: nothing runs, nothing follows', async () => {
    const loop = recordingLoop();
    const policy = new PassPolicy(true);
    const after: PassRecord[] = [];
    const p = passes(loop, policy, after);
    loop.ownCatalogVersion = 4;
    policy.notified('4');
    p.trigger('converge', 'notify');
    await settle();
    expect(loop.requests).toEqual([]);
    expect(after).toEqual([]);
    policy.notified('5');
    p.trigger('converge', 'notify');
    await settle();
    expect(loop.requests).toEqual([{ kind: 'converge', reasons: ['notify'] }]);
    await p.close();
  });

  it('retries a failed pass after a second, not after the interval', async () => {
    const loop = recordingLoop(['failed']);
    const p = passes(loop, new PassPolicy(false));
    p.trigger('full', 'start');
    await settle();
    await vi.advanceTimersByTimeAsync(1100);
    expect(loop.requests.map((r) => r.reasons)).toEqual([['start'], ['interval']]);
    await p.close();
  });

  it('schedules no poll once a stop is requested, and a poll already armed does not fire', async () => {
    const loop = recordingLoop();
    const p = passes(loop, new PassPolicy(false));
    p.trigger('full', 'start');
    await settle();
    stop.request('SIGTERM');
    await vi.advanceTimersByTimeAsync(10 * INTERVAL_MS);
    expect(loop.requests).toHaveLength(1);
    await p.close();
  });

  it('arms the settling collection after each pass and cancels it when a pass starts or the passes close', async () => {
    const loop = recordingLoop();
    const calls: string[] = [];
    const settling = { afterPass: () => void calls.push('armed'), cancel: () => void calls.push('cancelled') };
    const p = new DaemonPasses({ loop, policy: new PassPolicy(true), intervalMs: INTERVAL_MS, stop, logger: silentLogger, afterPass: async () => void calls.push('pass'), settling });
    p.trigger('full', 'start');
    await settle();
    expect(calls).toEqual(['cancelled', 'pass', 'armed']);
    await p.close();
    expect(calls.at(-1)).toBe('cancelled');
  });
});
