import { describe, expect, it } from 'vitest';
import { TriggerQueue, type PassRequest } from '../../../src/daemon/trigger-queue.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('TriggerQueue', () => {
  it('never overlaps passes and folds every trigger during a pass into one more pass', async () => {
    const seen: PassRequest[] = [];
    let running = 0;
    let maxRunning = 0;
    const gates = [deferred(), deferred()];
    const q = new TriggerQueue(async (r) => {
      seen.push(structuredClone(r));
      running++;
      maxRunning = Math.max(maxRunning, running);
      await gates[seen.length - 1]?.promise;
      running--;
    }, (err) => {
      throw err;
    });
    q.trigger('full', 'start');
    q.trigger('converge', 'notify');
    q.trigger('converge', 'notify');
    q.trigger('full', 'file change');
    q.trigger('converge', 'notify');
    expect(seen).toHaveLength(1);
    gates[0]!.resolve();
    gates[1]!.resolve();
    await q.idle();
    expect(maxRunning).toBe(1);
    expect(seen).toEqual([
      { kind: 'full', reasons: ['start'] },
      // A converge request upgraded by a later full one: one full pass covers both.
      { kind: 'full', reasons: ['notify', 'file change'] },
    ]);
  });

  it('keeps a converge-only pass a converge pass, and close() drops what is pending', async () => {
    const seen: string[] = [];
    const gate = deferred();
    const q = new TriggerQueue(async (r) => {
      seen.push(r.kind);
      await gate.promise;
    }, () => undefined);
    q.trigger('converge', 'notify');
    q.trigger('full', 'interval');
    const closed = q.close();
    gate.resolve();
    await closed;
    q.trigger('full', 'after close');
    await q.idle();
    expect(seen).toEqual(['converge']);
  });

  it('reports a pass that throws and goes on with the next one', async () => {
    const errors: unknown[] = [];
    let n = 0;
    const q = new TriggerQueue(async () => {
      n++;
      if (n === 1) throw new Error('boom');
    }, (err) => errors.push(err));
    q.trigger('full', 'a');
    await q.idle();
    q.trigger('full', 'b');
    await q.idle();
    expect(n).toBe(2);
    expect((errors[0] as Error).message).toBe('boom');
  });
});
