import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/core/canonical.js';
import { BUILTIN_FORMAT, parseBuiltinFile, renderBuiltinFile } from '../../../src/core/schedule/builtin-file.js';
import { buildEntry, type LineOptions } from '../../../src/core/schedule/render.js';

const opts: LineOptions = { binary: '/usr/local/bin/pgbackops', stateDir: '/var/lib/pgbackops' };
const a = buildEntry({ name: 'orders', schedule: '41 1 * * *', timezone: 'Europe/Paris' }, opts);
const b = buildEntry({ name: 'crm', schedule: '0 */6 * * *', timezone: 'UTC' }, opts);

describe('builtin schedule file', () => {
  const text = renderBuiltinFile('backup01', [a, b], opts);

  it('stores the entries sorted by name with their timezone', () => {
    const doc = JSON.parse(text);
    expect(doc).toEqual({ format: BUILTIN_FORMAT, server: 'backup01', entries: [b, a] });
    expect(renderBuiltinFile('backup01', [b, a], opts)).toBe(text);
  });

  it('round-trips', () => {
    const observed = parseBuiltinFile(text, opts);
    expect(observed).toMatchObject({ present: true, contentHash: sha256Hex(text), problems: [] });
    expect(observed.entries.map((e) => ({ ...e, raw: undefined }))).toEqual([
      { ...b, edited: false, raw: undefined },
      { ...a, edited: false, raw: undefined },
    ]);
    expect(renderBuiltinFile('backup01', observed.entries, opts)).toBe(text);
  });

  it('flags a hand-edited schedule or a hostile name as edited', () => {
    const edited = parseBuiltinFile(text.replace('41 1 * * *', '41 3 * * *').replace('"crm"', '"crm;reboot"'), opts);
    expect(edited.entries.map((e) => [e.name, e.edited])).toEqual([['crm;reboot', true], ['orders', true]]);
  });

  it('reports unreadable content as a problem instead of throwing', () => {
    expect(parseBuiltinFile('{"format": ', opts).problems![0]).toMatch(/not valid JSON/);
    expect(parseBuiltinFile('[]', opts).problems).toEqual([`the file is not a ${BUILTIN_FORMAT} document`]);
    const bad = parseBuiltinFile(JSON.stringify({ format: BUILTIN_FORMAT, server: 'x', entries: [{ name: 1 }] }), opts);
    expect(bad.problems).toEqual(['unreadable entry: {"name":1}']);
  });

  it('refuses entries built with other options and duplicates', () => {
    const cronD = buildEntry({ name: 'orders', schedule: '41 1 * * *', timezone: 'UTC' }, { ...opts, user: 'root' });
    expect(() => renderBuiltinFile('backup01', [cronD], opts)).toThrow(/different line options/);
    expect(() => renderBuiltinFile('backup01', [a, a], opts)).toThrow(/twice/);
  });
});
