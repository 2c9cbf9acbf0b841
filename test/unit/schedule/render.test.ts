import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/core/canonical.js';
import { ScheduleError } from '../../../src/core/schedule/errors.js';
import { buildEntry, renderCronDFile, renderEntryLine, type CronTextOptions } from '../../../src/core/schedule/render.js';

const cronD: CronTextOptions = { binary: '/usr/local/bin/pgbackops', stateDir: '/var/lib/pgbackops', user: 'root', pathEnv: '/usr/local/bin:/usr/bin:/bin' };

describe('buildEntry', () => {
  it('hashes the line text before the marker: schedule, user field, command', () => {
    const e = buildEntry({ name: 'orders-nightly', schedule: '41 1 * * *', timezone: 'UTC' }, cronD);
    const body = '41 1 * * * root /usr/local/bin/pgbackops run --state-dir /var/lib/pgbackops orders-nightly';
    expect(e).toEqual({ name: 'orders-nightly', schedule: '41 1 * * *', timezone: 'UTC', hash: sha256Hex(body).slice(0, 12) });
    expect(renderEntryLine(e, cronD)).toBe(`${body} # pgbackops:orders-nightly:${e.hash}`);
  });

  it('normalises the spacing of the schedule fields', () => {
    const e = buildEntry({ name: 'a', schedule: ' 41\t1  * * 1-5 ', timezone: 'UTC' }, cronD);
    expect(e.schedule).toBe('41 1 * * 1-5');
  });

  it('gives a different hash without the user field (crontab lines) and for another user', () => {
    const base = { name: 'a', schedule: '0 3 * * *', timezone: 'UTC' };
    const hashes = new Set([
      buildEntry(base, cronD).hash,
      buildEntry(base, { binary: cronD.binary, stateDir: cronD.stateDir }).hash,
      buildEntry(base, { ...cronD, user: 'pgbackops' }).hash,
    ]);
    expect(hashes.size).toBe(3);
  });

  it('does not put the timezone in the line (Debian cron has no CRON_TZ) but keeps it on the entry', () => {
    const utc = buildEntry({ name: 'a', schedule: '0 3 * * *', timezone: 'UTC' }, cronD);
    const paris = buildEntry({ name: 'a', schedule: '0 3 * * *', timezone: 'Europe/Paris' }, cronD);
    expect(paris.hash).toBe(utc.hash);
    expect(paris.timezone).toBe('Europe/Paris');
    expect(renderEntryLine(paris, cronD)).not.toContain('Paris');
  });
});

describe('hostile values are refused', () => {
  const hostileNames = ['', 'Orders', 'a;rm -rf /', 'a b', '-a', 'a-', 'a%b', 'a\nb', 'a/b', '..', 'a'.repeat(64), '$(id)', 'a`id`'];
  it.each(hostileNames)('definition name %j', (name) => {
    expect(() => buildEntry({ name, schedule: '* * * * *', timezone: 'UTC' }, cronD)).toThrow(ScheduleError);
  });

  const hostileSchedules = ['* * * *', '* * * * * *', '@reboot', '0 3 * * * root evil', '0 3 % * *', '0;id * * * *', 'H 3 * * *', '0 3 * * $(id)', '0\n3 * * *'];
  it.each(hostileSchedules)('schedule %j', (schedule) => {
    expect(() => buildEntry({ name: 'a', schedule, timezone: 'UTC' }, cronD)).toThrow(/refusing schedule/);
  });

  const hostilePaths = ['relative/pgbackops', '/usr/bin/pg backops', '/a/../etc/x', '/a/%/b', '/a;id', '/a$(id)', '/a\nb', '/a#b', ''];
  it.each(hostilePaths)('binary or state dir %j', (path) => {
    expect(() => buildEntry({ name: 'a', schedule: '* * * * *', timezone: 'UTC' }, { ...cronD, binary: path })).toThrow(/pgbackops binary/);
    expect(() => buildEntry({ name: 'a', schedule: '* * * * *', timezone: 'UTC' }, { ...cronD, stateDir: path })).toThrow(/state directory/);
  });

  it.each(['Root', 'a b', 'root;id', '', '1abc'])('cron.d user %j', (user) => {
    expect(() => buildEntry({ name: 'a', schedule: '* * * * *', timezone: 'UTC' }, { ...cronD, user })).toThrow(/refusing user/);
  });

  it.each(['', 'relative:/bin', '/bin::/usr/bin', '/bin:/a b', '/bin:/a%b'])('PATH %j', (pathEnv) => {
    expect(() => renderCronDFile([], { ...cronD, pathEnv })).toThrow(ScheduleError);
  });

  it('accepts the cron syntax the config can produce', () => {
    for (const schedule of ['*/15 * * * *', '0,30 8-18/2 * JAN-MAR mon-fri', '5 4 1 1 SUN', '59 23 31 12 7']) {
      expect(() => buildEntry({ name: 'a', schedule, timezone: 'UTC' }, cronD)).not.toThrow();
    }
  });
});

describe('renderCronDFile', () => {
  const a = buildEntry({ name: 'zeta', schedule: '0 1 * * *', timezone: 'UTC' }, cronD);
  const b = buildEntry({ name: 'alpha', schedule: '0 2 * * *', timezone: 'UTC' }, cronD);

  it('writes the header, the settings and the entries sorted by name, with no % anywhere', () => {
    const text = renderCronDFile([a, b], cronD);
    const lines = text.split('\n');
    expect(lines[0]).toBe('# Managed by pgbackops: do not edit. Changes are overwritten at the next apply.');
    expect(lines[1]).toMatch(/^# No flock here: .*per-definition lock.*skipped/);
    expect(lines.slice(2, 4)).toEqual(['SHELL=/bin/sh', 'PATH=/usr/local/bin:/usr/bin:/bin']);
    expect(lines[4]).toMatch(/^0 2 \* \* \* root \/usr\/local\/bin\/pgbackops run --state-dir \/var\/lib\/pgbackops alpha # pgbackops:alpha:[0-9a-f]{12}$/);
    expect(lines[5]).toContain(' zeta # pgbackops:zeta:');
    expect(lines[6]).toBe('');
    expect(lines).toHaveLength(7);
    expect(text).not.toContain('%');
    expect(renderCronDFile([b, a], cronD)).toBe(text);
  });

  it('keeps the header when there are no entries', () => {
    expect(renderCronDFile([], cronD)).toMatch(/^# Managed by pgbackops.*\n# No flock.*\nSHELL=\/bin\/sh\nPATH=.*\n$/);
  });

  it('refuses an entry built with other options, a duplicate, and a missing user field', () => {
    const crontabEntry = buildEntry({ name: 'a', schedule: '0 1 * * *', timezone: 'UTC' }, { binary: cronD.binary, stateDir: cronD.stateDir });
    expect(() => renderCronDFile([crontabEntry], cronD)).toThrow(/different line options/);
    expect(() => renderCronDFile([a, a], cronD)).toThrow(/given twice/);
    expect(() => renderCronDFile([], { ...cronD, user: undefined })).toThrow(/user field/);
  });
});
