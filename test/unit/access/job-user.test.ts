import { describe, expect, it } from 'vitest';
import { jobUserOf } from '../../../src/core/access/job-user.js';
import { describeOwnership, mayAccess } from '../../../src/core/access/mode-bits.js';

describe('jobUserOf', () => {
  it('cron.d: the line\'s user, root by default; crontab: its user, else the state directory\'s owner; builtin: the state directory\'s owner', () => {
    expect(jobUserOf({ type: 'cron.d', user: 'backup' }).name).toBe('backup');
    expect(jobUserOf({ type: 'cron.d' }).name).toBe('root');
    expect(jobUserOf({ type: 'crontab', user: 'backup' }).name).toBe('backup');
    expect(jobUserOf({ type: 'crontab' }).name).toBeNull();
    expect(jobUserOf({ type: 'builtin' }).name).toBeNull();
  });
});

describe('mayAccess', () => {
  const user = { uid: 101, gid: 104 };
  it('reads the owner bits for the owner, the group bits for the group, the other bits for everyone else', () => {
    expect(mayAccess(user, { uid: 101, gid: 0, mode: 0o40700 }, 'write')).toBe(true);
    expect(mayAccess(user, { uid: 0, gid: 104, mode: 0o40750 }, 'search')).toBe(true);
    expect(mayAccess(user, { uid: 0, gid: 104, mode: 0o40750 }, 'write')).toBe(false);
    expect(mayAccess(user, { uid: 0, gid: 0, mode: 0o40711 }, 'search')).toBe(true);
    expect(mayAccess(user, { uid: 0, gid: 0, mode: 0o40711 }, 'read')).toBe(false);
    expect(mayAccess(user, { uid: 0, gid: 0, mode: 0o40700 }, 'search')).toBe(false);
  });
  it('the owner\'s bits decide for the owner even when others have more (as the kernel does)', () => {
    expect(mayAccess(user, { uid: 101, gid: 0, mode: 0o40077 }, 'read')).toBe(false);
  });
  it('root may do anything', () => {
    expect(mayAccess({ uid: 0, gid: 0 }, { uid: 101, gid: 104, mode: 0o40000 }, 'write')).toBe(true);
  });
  it('describes an owner and a mode', () => {
    expect(describeOwnership({ uid: 0, gid: 0, mode: 0o40700 })).toBe('uid 0, gid 0, mode 0700');
  });
});
