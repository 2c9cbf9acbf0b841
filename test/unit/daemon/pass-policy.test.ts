// Which pass a trigger gets (NOTIFY of the daemon's own apply, quiet polls of a watched directory) and when the
// interval timer is armed again.
import { describe, expect, it } from 'vitest';
import { PassPolicy, RELOAD_EVERY_POLLS, reschedulesPoll } from '../../../src/daemon/pass-policy.js';
import type { PassRequest } from '../../../src/daemon/trigger-queue.js';

const full = (...reasons: string[]): PassRequest => ({ kind: 'full', reasons });
const converge = (...reasons: string[]): PassRequest => ({ kind: 'converge', reasons });

describe('PassPolicy: NOTIFY', () => {
  it('skips a converge asked for only by the notification of its own apply', () => {
    const policy = new PassPolicy(true);
    policy.notified('7');
    expect(policy.passFor(converge('notify'), 7)).toBeNull();
    expect(policy.passFor(converge('notify'), 9)).toBeNull();
  });

  it('converges after another apply, before its own first apply, and when anything else asked too', () => {
    const policy = new PassPolicy(true);
    policy.notified('8');
    expect(policy.passFor(converge('notify'), 7)).toEqual(converge('notify'));
    expect(policy.passFor(converge('notify'), null)).toEqual(converge('notify'));
    policy.notified('5'); // an older notification arriving late does not lower what was announced
    expect(policy.passFor(converge('notify'), 7)).toEqual(converge('notify'));
    expect(policy.passFor(converge('notify', 'catalog reconnected'), 9)).toEqual(converge('notify', 'catalog reconnected'));
    expect(policy.passFor(converge('catalog reconnected'), 9)).toEqual(converge('catalog reconnected'));
  });

  it('reads a payload that is no number as version 0', () => {
    const policy = new PassPolicy(true);
    policy.notified('not a version');
    expect(policy.passFor(converge('notify'), 0)).toBeNull();
    expect(policy.passFor(converge('notify'), null)).toEqual(converge('notify'));
  });
});

describe('PassPolicy: quiet polls of a watched directory', () => {
  it('re-reads the directory on the first pass, after a change, and every RELOAD_EVERY_POLLS-th quiet poll', () => {
    const policy = new PassPolicy(true);
    expect(policy.passFor(full('start'), null)).toEqual(full('start'));
    const kinds: string[] = [];
    for (let i = 0; i < 2 * RELOAD_EVERY_POLLS; i++) kinds.push(policy.passFor(full('interval'), null)!.kind);
    const expected = [...Array(RELOAD_EVERY_POLLS - 1).fill('converge'), 'full'];
    expect(kinds).toEqual([...expected, ...expected]);

    policy.passFor(full('interval'), null);
    policy.directoryChangedNow();
    expect(policy.passFor(full('interval'), null)).toEqual(full('interval'));
    // The count starts again after a full read.
    expect(policy.passFor(full('interval'), null)).toEqual(converge('interval'));
  });

  it('keeps the reasons of a downgraded poll, and never downgrades a full pass asked for by anything else', () => {
    const policy = new PassPolicy(true);
    policy.passFor(full('start'), null);
    expect(policy.passFor(full('interval'), null)).toEqual(converge('interval'));
    expect(policy.passFor(full('interval', 'webhook'), null)).toEqual(full('interval', 'webhook'));
    expect(policy.passFor(full('file change'), null)).toEqual(full('file change'));
  });

  it('always fetches a git source: nothing else tells that the remote moved', () => {
    const policy = new PassPolicy(false);
    for (let i = 0; i < RELOAD_EVERY_POLLS + 2; i++) expect(policy.passFor(full('interval'), null)).toEqual(full('interval'));
  });
});

describe('reschedulesPoll', () => {
  it('after an interval pass, every full pass and every failed pass; not after a successful converge', () => {
    expect(reschedulesPoll(full('interval'), 0)).toBe(true);
    expect(reschedulesPoll(full('webhook'), 0)).toBe(true);
    // A quiet poll ran as a converge pass: still the interval's.
    expect(reschedulesPoll(converge('interval'), 0)).toBe(true);
    expect(reschedulesPoll(converge('notify'), 0)).toBe(false);
    expect(reschedulesPoll(converge('notify'), 2)).toBe(true);
  });
});
