// lookupPasswdEntry answers for this process's own user from os.userInfo() (no `getent` started: root acting
// for a server whose state directory it owns asks for itself in every run) and for any other user through
// getent. Both must give the entry getent gives: checked against getent itself, by uid and by name.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { lookupPasswdEntry } from '../../../src/adapters/os/os-user.js';

function getent(key: string | number): { name: string; uid: number; gid: number; home: string } {
  const fields = execFileSync('getent', ['passwd', '--', String(key)], { encoding: 'utf8' }).split('\n')[0]!.split(':');
  return { name: fields[0]!, uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] || '/' };
}

describe('lookupPasswdEntry', () => {
  it("gives this process's own user, by uid and by name, as getent does", async () => {
    const me = os.userInfo();
    expect(await lookupPasswdEntry(me.uid)).toEqual(getent(me.uid));
    expect(await lookupPasswdEntry(me.username)).toEqual(getent(me.username));
  });

  it('gives another user through getent, and refuses one that does not exist', async () => {
    const other = os.userInfo().uid === 0 ? 'nobody' : 'root';
    expect(await lookupPasswdEntry(other)).toEqual(getent(other));
    await expect(lookupPasswdEntry('pgbackops-no-such-user')).rejects.toThrow(/does not exist/);
  });
});
