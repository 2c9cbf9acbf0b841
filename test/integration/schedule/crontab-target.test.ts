// The crontab target against the real Debian crontab(1), as root, on a throwaway OS user's crontab.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScheduleTarget, type ScheduleTarget } from '../../../src/adapters/schedule/index.js';
import { BLOCK_END, renderCrontabBlock } from '../../../src/core/schedule/crontab-block.js';
import { buildEntry } from '../../../src/core/schedule/render.js';

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn('crontab-target.test.ts skipped: it creates an OS user and edits its crontab, which needs root');

const user = `pgbo-ct-${randomBytes(4).toString('hex')}`;
const line = { binary: '/usr/local/bin/pgbackops', stateDir: '/var/lib/pgbackops' };
const pathEnv = '/usr/local/bin:/usr/bin:/bin';
// Schedules that do not fire during the test, in case a cron daemon is running meanwhile.
const orders = buildEntry({ name: 'orders', schedule: '0 0 1 1 *', timezone: 'UTC' }, line);
const crm = buildEntry({ name: 'crm', schedule: '30 0 1 1 *', timezone: 'UTC' }, line);

/**
 * The user's own crontab: comments, blank lines, settings, a tab, a control byte and a non-UTF-8 byte
 * (latin1 é). No CR: crontab -l cannot show one faithfully (see the SCHEDULE_AMBIGUOUS_CRONTAB test).
 */
const foreign = Buffer.concat([
  Buffer.from('# my jobs\nMAILTO=""\nSHELL=/bin/bash\n\n  # indented,\tcaf'),
  Buffer.from([0xe9, 0x01]),
  Buffer.from('\n0 5 1 1 * /usr/bin/true --mine \\ \\n\n\n'),
]);

async function crontabBytes(): Promise<Buffer | null> {
  const r = await execa('crontab', ['-u', user, '-l'], { reject: false, encoding: 'buffer', stripFinalNewline: false, env: { LC_ALL: 'C' } });
  if (r.exitCode === 1 && /^no crontab for/.test(Buffer.from(r.stderr).toString())) return null;
  expect(r.exitCode).toBe(0);
  return Buffer.from(r.stdout);
}

async function install(bytes: Buffer): Promise<void> {
  await execa('crontab', ['-u', user, '-'], { input: bytes });
}

describe.skipIf(!isRoot)('crontab target on a real user crontab', () => {
  let target: ScheduleTarget;

  beforeAll(async () => {
    await execa('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user]);
    target = createScheduleTarget({ type: 'crontab', user }, { ...line, serverName: 'b1', pathEnv });
  });
  afterAll(async () => {
    await execa('crontab', ['-u', user, '-r'], { reject: false });
    await execa('userdel', [user], { reject: false });
  });

  it('describes itself and builds entries without a user field', () => {
    expect(target.description).toBe(`crontab of user ${user}`);
    expect(target.lineOptions).toEqual({ ...line, server: 'b1' });
  });

  it('without a crontab: absent, then our block alone, then no crontab again', async () => {
    expect(await target.read()).toMatchObject({ present: false, entries: [] });
    await target.write([orders]);
    expect((await crontabBytes())!.toString('latin1')).toBe(renderCrontabBlock([orders], { ...line, pathEnv }));
    await target.write([]);
    expect(await crontabBytes()).toBeNull();
  });

  it('keeps the user lines byte for byte while adding, replacing and removing the block', async () => {
    await install(foreign);
    expect(await target.read()).toMatchObject({ present: false });

    await target.write([orders, crm]);
    const added = (await crontabBytes())!;
    expect(added.subarray(0, foreign.length).equals(foreign)).toBe(true);
    expect(added.toString('latin1').endsWith(BLOCK_END + '\n')).toBe(true);
    const read = await target.read();
    expect(read.present).toBe(true);
    expect(read.problems).toEqual([]);
    expect(read.entries.map((e) => [e.name, e.schedule, e.hash, e.edited])).toEqual([
      ['crm', crm.schedule, crm.hash, false],
      ['orders', orders.schedule, orders.hash, false],
    ]);

    await target.write([orders]);
    const replaced = (await crontabBytes())!;
    expect(replaced.subarray(0, foreign.length).equals(foreign)).toBe(true);
    expect((await target.read()).entries.map((e) => e.name)).toEqual(['orders']);

    await target.write([]);
    expect((await crontabBytes())!.equals(foreign)).toBe(true);
  });

  it('restores a line edited by hand, and leaves lines the user added meanwhile alone', async () => {
    await install(foreign);
    await target.write([orders]);
    const text = (await crontabBytes())!.toString('latin1');
    const tampered = text.replace('0 0 1 1 * /usr/local/bin/pgbackops', '0 0 2 1 * /usr/local/bin/pgbackops') + '15 3 1 1 * /usr/bin/true --added-later\n';
    await install(Buffer.from(tampered, 'latin1'));

    const drifted = await target.read();
    expect(drifted.entries).toMatchObject([{ name: 'orders', edited: true, schedule: '0 0 2 1 *' }]);
    await target.write([orders]);
    const healed = (await crontabBytes())!.toString('latin1');
    expect(healed).toBe(text + '15 3 1 1 * /usr/bin/true --added-later\n');
    expect((await target.read()).entries).toMatchObject([{ name: 'orders', edited: false }]);
    await target.write([]);
    expect((await crontabBytes())!.toString('latin1')).toBe(foreign.toString('latin1') + '15 3 1 1 * /usr/bin/true --added-later\n');
  });

  it('refuses a damaged block and leaves the crontab as it was', async () => {
    const broken = Buffer.concat([foreign, Buffer.from(renderCrontabBlock([orders], { ...line, pathEnv }).replace(BLOCK_END + '\n', ''))]);
    await install(broken);
    await expect(target.read()).rejects.toMatchObject({ code: 'SCHEDULE_CORRUPT_BLOCK' });
    await expect(target.write([orders])).rejects.toMatchObject({ code: 'SCHEDULE_CORRUPT_BLOCK' });
    expect((await crontabBytes())!.equals(broken)).toBe(true);
    await execa('crontab', ['-u', user, '-r']);
  });

  it('will not rewrite a crontab whose listing shows \\r (a CR, or that very text): it would change the user lines', async () => {
    for (const text of ['0 5 1 1 * /usr/bin/true --windows-line-end\r\n', "0 5 1 1 * sed -i 's/\\r$//' /tmp/x\n"]) {
      const original = Buffer.from(text, 'latin1');
      await install(original);
      expect(await target.read()).toMatchObject({ present: false });
      await expect(target.write([orders])).rejects.toMatchObject({ code: 'SCHEDULE_AMBIGUOUS_CRONTAB', message: expect.stringMatching(/line 1/) });
      // Still exactly what was installed (checked in the spool file: crontab -l itself would show \r as text).
      const spool = await readFile(`/var/spool/cron/crontabs/${user}`);
      expect(spool.subarray(spool.length - original.length).equals(original)).toBe(true);
    }
    await execa('crontab', ['-u', user, '-r']);
  });

  it('reports a user that does not exist as an error', async () => {
    const ghost = createScheduleTarget({ type: 'crontab', user: `pgbo-none-${randomBytes(3).toString('hex')}` }, { ...line, serverName: 'b1', pathEnv });
    await expect(ghost.read()).rejects.toMatchObject({ code: 'SCHEDULE_TARGET_FAILED', message: expect.stringMatching(/unknown/) });
  });
});
