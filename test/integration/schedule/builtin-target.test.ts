// The builtin target: the JSON file the daemon fires from, on a real file system.
import { lstat, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createScheduleTarget } from '../../../src/adapters/schedule/index.js';
import { sha256Hex } from '../../../src/core/canonical.js';
import { buildEntry } from '../../../src/core/schedule/render.js';

const line = { binary: '/usr/local/bin/pgbackops', stateDir: '/var/lib/pgbackops' };
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgbo-builtin-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('builtin target', () => {
  it('writes <stateDir>/schedule/<server>.json atomically and reads it back with timezones', async () => {
    const stateDir = join(dir, 'state');
    const builtin = createScheduleTarget({ type: 'builtin' }, { binary: line.binary, stateDir, serverName: 'backup01' });
    expect(builtin.description).toBe(`builtin schedule ${stateDir}/schedule/backup01.json`);
    expect(await builtin.read()).toMatchObject({ present: false, entries: [] });
    const wanted = [
      buildEntry({ name: 'orders', schedule: '41 1 * * *', timezone: 'Europe/Paris' }, builtin.lineOptions),
      buildEntry({ name: 'crm', schedule: '0 3 * * *', timezone: 'UTC' }, builtin.lineOptions),
    ];
    await builtin.write(wanted);
    const observed = await builtin.read();
    expect(observed.entries.map((e) => [e.name, e.timezone, e.edited])).toEqual([['crm', 'UTC', false], ['orders', 'Europe/Paris', false]]);
    expect(observed.contentHash).toBe(sha256Hex(await readFile(join(stateDir, 'schedule', 'backup01.json'))));
    expect((await lstat(join(stateDir, 'schedule', 'backup01.json'))).mode & 0o777).toBe(0o600);
    await builtin.write([]);
    expect(await builtin.read()).toMatchObject({ present: true, entries: [] });
    expect(await readdir(join(stateDir, 'schedule'))).toEqual(['backup01.json']);
  });

  it('refuses a server name that is not a safe file name', () => {
    for (const serverName of ['../x', 'a/b', 'A', 'a.b']) {
      expect(() => createScheduleTarget({ type: 'builtin' }, { ...line, serverName: serverName })).toThrow(/server name/);
    }
  });
});
