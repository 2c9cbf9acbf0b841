// The server's maintain line: part of every server's schedule unless disabled, with fixed flags only, and
// read back (and its hand edits detected) like a definition's line.
import { describe, expect, it } from 'vitest';
import { parseCronDFile, parseManagedLine } from '../../../src/core/schedule/parse.js';
import { parseCrontabBlock, renderCrontabBlock } from '../../../src/core/schedule/crontab-block.js';
import { parseBuiltinFile, renderBuiltinFile } from '../../../src/core/schedule/builtin-file.js';
import { MAINTAIN_ENTRY, jobArgsOf } from '../../../src/core/schedule/entry.js';
import { buildEntry, renderCronDFile, type CronTextOptions } from '../../../src/core/schedule/render.js';
import { scheduleEntriesOfServer } from '../../../src/core/schedule/server-entries.js';
import { actualOf, backup, node, server } from '../plan/fixtures.js';

const opts: CronTextOptions = { binary: '/usr/local/bin/pgbackops', stateDir: '/var/lib/pgbackops', user: 'root', server: 'backup01', pathEnv: '/usr/bin:/bin' };

function serverWith(maintenance: unknown, name = 'backup01') {
  const s = server(name);
  return { ...s, spec: { ...(s.spec as object), maintenance } as never };
}

describe('the maintain line', () => {
  it('runs `maintain` for exactly this server, with the state directory, and carries the reserved marker', () => {
    const text = renderCronDFile([buildEntry({ name: MAINTAIN_ENTRY, schedule: '7-59/15 * * * *', timezone: 'UTC' }, opts)], opts);
    const line = text.split('\n').find((l) => l.includes('# pgbackops:'))!;
    expect(line).toMatch(/^7-59\/15 \* \* \* \* root \/usr\/local\/bin\/pgbackops maintain --state-dir \/var\/lib\/pgbackops --server backup01 # pgbackops:@maintain:[0-9a-f]{12}$/);
    expect(jobArgsOf({ name: MAINTAIN_ENTRY })).toEqual(['maintain']);
    expect(jobArgsOf({ name: 'orders' })).toEqual(['run', 'orders']);
  });

  it('needs the server name', () => {
    expect(() => buildEntry({ name: MAINTAIN_ENTRY, schedule: '* * * * *', timezone: 'UTC' }, { binary: opts.binary, stateDir: opts.stateDir })).toThrow(/server name/);
  });

  it('reads back unedited from a cron.d file, a crontab block and a builtin file, and round-trips', () => {
    const entries = [
      buildEntry({ name: MAINTAIN_ENTRY, schedule: '7-59/15 * * * *', timezone: 'UTC' }, opts),
      buildEntry({ name: 'orders', schedule: '41 1 * * *', timezone: 'UTC' }, opts),
    ];
    const cronD = parseCronDFile(renderCronDFile(entries, opts));
    expect(cronD.problems).toEqual([]);
    expect(cronD.entries.map((e) => [e.name, e.hash, e.edited])).toEqual(entries.map((e) => [e.name, e.hash, false]));

    const { user: _user, ...crontabOpts } = opts;
    const crontabEntries = entries.map((e) => buildEntry(e, crontabOpts));
    const block = parseCrontabBlock(renderCrontabBlock(crontabEntries, crontabOpts));
    expect(block.entries.map((e) => [e.name, e.edited])).toEqual([[MAINTAIN_ENTRY, false], ['orders', false]]);

    const builtin = parseBuiltinFile(renderBuiltinFile('backup01', crontabEntries, crontabOpts), crontabOpts);
    expect(builtin.entries.map((e) => [e.name, e.edited])).toEqual([[MAINTAIN_ENTRY, false], ['orders', false]]);
  });

  it('detects a hand edit of the maintain line, and recovers a line whose marker was damaged', () => {
    const entry = buildEntry({ name: MAINTAIN_ENTRY, schedule: '7-59/15 * * * *', timezone: 'UTC' }, opts);
    const line = renderCronDFile([entry], opts).split('\n').find((l) => l.includes('# pgbackops:'))!;
    for (const edited of [
      line.replace('--server backup01', '--server backup02'),
      line.replace('maintain --state-dir', 'maintain --dry-run --state-dir'),
      line.replace('7-59/15', '*/5'),
      line.replace(' maintain ', ' run ').replace('--server backup01', 'x'),
    ]) {
      const parsed = parseManagedLine(edited);
      expect('entry' in parsed && parsed.entry.edited, edited).toBe(true);
    }
    const damaged = parseManagedLine(line.replace(/# pgbackops:@maintain:[0-9a-f]+$/, '# pgbackops'));
    expect('entry' in damaged && [damaged.entry.name, damaged.entry.edited]).toEqual([MAINTAIN_ENTRY, true]);
  });
});

describe('scheduleEntriesOfServer and maintenance', () => {
  const objects = (s: ReturnType<typeof serverWith>) => actualOf([s, node('pg1', s.name), backup('orders', 'pg1')]);

  it('adds the maintain line of an enabled server, its H spread by the server name', () => {
    const one = scheduleEntriesOfServer(objects(serverWith({ enabled: true, schedule: 'H/15 * * * *' })), 'backup01', opts);
    expect(one.map((e) => e.name)).toEqual([MAINTAIN_ENTRY, 'orders']);
    expect(one[0]!.schedule).toMatch(/^([0-9]|1[0-4])-59\/15 \* \* \* \*$/);
    const names = ['backup01', 'backup02', 'backup03', 'backup04', 'backup05', 'backup06'];
    const minutes = new Set(names.map((n) => scheduleEntriesOfServer(objects(serverWith({ enabled: true, schedule: 'H * * * *' }, n)), n, { ...opts, server: n })[0]!.schedule));
    expect(minutes.size).toBeGreaterThan(1);
  });

  it('leaves it out when disabled, and for a server spec written before maintenance existed', () => {
    expect(scheduleEntriesOfServer(objects(serverWith({ enabled: false, schedule: 'H/15 * * * *' })), 'backup01', opts).map((e) => e.name)).toEqual(['orders']);
    expect(scheduleEntriesOfServer(actualOf([server('backup01'), node('pg1', 'backup01'), backup('orders', 'pg1')]), 'backup01', opts).map((e) => e.name)).toEqual(['orders']);
  });

  it('schedules nothing for a server that is not there (removed from the configuration, its node moved)', () => {
    expect(scheduleEntriesOfServer(actualOf([serverWith({ enabled: true, schedule: 'H/15 * * * *' }, 'backup02'), node('pg1', 'backup02'), backup('orders', 'pg1')]), 'backup01', opts)).toEqual([]);
  });
});
