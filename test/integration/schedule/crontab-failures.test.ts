// How the crontab target reacts to what crontab(1) answers, using a stand-in program (fixtures/fake-crontab.sh)
// for the answers the real one cannot be made to give on demand. The real crontab is exercised in
// crontab-target.test.ts.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createScheduleTarget } from '../../../src/adapters/schedule/index.js';
import { renderCrontabBlock } from '../../../src/core/schedule/crontab-block.js';
import { buildEntry } from '../../../src/core/schedule/render.js';

const FAKE = fileURLToPath(new URL('./fixtures/fake-crontab.sh', import.meta.url));
const line = { binary: '/usr/local/bin/pgbackops', stateDir: '/var/lib/pgbackops' };
const pathEnv = '/usr/bin:/bin';
const entry = buildEntry({ name: 'orders', schedule: '41 1 * * *', timezone: 'UTC' }, line);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgbo-fake-crontab-'));
  process.env.FAKE_CRONTAB_DIR = dir;
});
afterEach(async () => {
  delete process.env.FAKE_CRONTAB_DIR;
  await rm(dir, { recursive: true, force: true });
});

function target() {
  return createScheduleTarget({ type: 'crontab' }, { ...line, serverName: 'b1', pathEnv, crontabCommand: FAKE });
}

async function listAnswer(exit: number, stderr: string, stdout = ''): Promise<void> {
  await writeFile(join(dir, 'list-exit'), String(exit));
  await writeFile(join(dir, 'list-stderr'), stderr);
  await writeFile(join(dir, 'list-1'), stdout);
}

describe('crontab -l answers', () => {
  it('exit 1 with exactly "no crontab for USER" means no crontab', async () => {
    await listAnswer(1, 'no crontab for someone\n');
    expect(await target().read()).toMatchObject({ present: false, entries: [] });
  });

  const errors: Array<[string, number, string]> = [
    ['another message with exit 1', 1, "crontab: user `x' unknown\n"],
    ['the no-crontab message with another exit status', 2, 'no crontab for someone\n'],
    ['the no-crontab message with extra words', 1, 'no crontab for some one\n'],
    ['the no-crontab message after another line', 1, 'warning\nno crontab for someone\n'],
    ['exit 1 and no message', 1, ''],
  ];
  it.each(errors)('%s is an error, not an empty crontab', async (_label, exit, stderr) => {
    await listAnswer(exit, stderr);
    await expect(target().read()).rejects.toMatchObject({ code: 'SCHEDULE_TARGET_FAILED' });
    await expect(target().write([entry])).rejects.toMatchObject({ code: 'SCHEDULE_TARGET_FAILED' });
    await expect(readFile(join(dir, 'installed'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a crontab program that does not exist is an error', async () => {
    const t = createScheduleTarget({ type: 'crontab' }, { ...line, serverName: 'b1', pathEnv, crontabCommand: join(dir, 'missing') });
    await expect(t.read()).rejects.toMatchObject({ code: 'SCHEDULE_TARGET_FAILED' });
  });
});

describe('read-modify-write', () => {
  it('starts again from the newer text once when the crontab changed between read and install', async () => {
    await listAnswer(0, '', '0 1 * * * /old\n');
    await writeFile(join(dir, 'list-2'), '0 2 * * * /edited-meanwhile\n');
    await target().write([entry]);
    const installed = await readFile(join(dir, 'installed'), 'utf8');
    expect(installed).toBe('0 2 * * * /edited-meanwhile\n' + renderCrontabBlock([entry], { ...line, pathEnv }));
  });

  it('refuses when it keeps changing, and installs nothing', async () => {
    await listAnswer(0, '', '0 1 * * * /a\n');
    await writeFile(join(dir, 'list-2'), '0 2 * * * /b\n');
    await writeFile(join(dir, 'list-3'), '0 3 * * * /c\n');
    await expect(target().write([entry])).rejects.toMatchObject({ code: 'SCHEDULE_CONCURRENT_EDIT' });
    await expect(readFile(join(dir, 'installed'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await readFile(join(dir, 'calls'), 'utf8')).split('\n').filter((l) => l === '-')).toEqual([]);
  });

  it('does not call crontab - when nothing would change', async () => {
    await listAnswer(0, '', '0 1 * * * /a\n' + renderCrontabBlock([entry], { ...line, pathEnv }));
    await target().write([entry]);
    expect((await readFile(join(dir, 'calls'), 'utf8')).trim().split('\n')).toEqual(['-l']);
  });
});
