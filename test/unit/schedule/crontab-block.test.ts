import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/core/canonical.js';
import { BLOCK_BEGIN, BLOCK_END, parseCrontabBlock, renderCrontabBlock, spliceCrontab } from '../../../src/core/schedule/crontab-block.js';
import { ScheduleError } from '../../../src/core/schedule/errors.js';
import { buildEntry, type CronTextOptions } from '../../../src/core/schedule/render.js';

const opts: CronTextOptions = { binary: '/opt/pgbackops/bin/pgbackops', stateDir: '/home/backup/.pgbackops', pathEnv: '/opt/node/bin:/usr/bin:/bin' };
const e1 = buildEntry({ name: 'orders', schedule: '41 1 * * *', timezone: 'UTC' }, opts);
const e2 = buildEntry({ name: 'crm', schedule: '0 */6 * * *', timezone: 'UTC' }, opts);
const block = renderCrontabBlock([e1, e2], opts);
const block2 = renderCrontabBlock([e1], opts);

/** Foreign crontabs that must survive byte for byte. */
const foreignTexts: Record<string, string> = {
  empty: '',
  simple: '0 5 * * * /usr/bin/backup-home\n',
  'no final newline': '# mine\n0 5 * * * /usr/bin/backup-home',
  crlf: 'MAILTO=me@example.org\r\n# comment\r\n\r\n0 5 * * * /usr/bin/x\r\n',
  'crlf without final newline': 'SHELL=/bin/bash\r\n0 5 * * * /usr/bin/x\r',
  'blank lines and env': '\n\nSHELL=/bin/bash\nPATH=/home/u/bin:/usr/bin\n  # indented comment\n\n@reboot /usr/bin/start-thing\n\n',
  'only a comment': '# nothing yet',
  'non-ascii (latin1 view of utf-8)': Buffer.from('# café ☕\n0 1 * * * /usr/bin/true\n', 'utf8').toString('latin1'),
};

describe('renderCrontabBlock', () => {
  it('is fenced, has no user field, sets SHELL and PATH, sorts entries, ends with a newline', () => {
    const lines = block.split('\n');
    expect(lines[0]).toBe(BLOCK_BEGIN);
    expect(lines.at(-2)).toBe(BLOCK_END);
    expect(lines.at(-1)).toBe('');
    expect(lines).toContain('SHELL=/bin/sh');
    expect(lines).toContain('PATH=/opt/node/bin:/usr/bin:/bin');
    const jobs = lines.filter((l) => /^[0-9*]/.test(l));
    expect(jobs).toEqual([
      `0 */6 * * * /opt/pgbackops/bin/pgbackops run --state-dir /home/backup/.pgbackops crm # pgbackops:crm:${e2.hash}`,
      `41 1 * * * /opt/pgbackops/bin/pgbackops run --state-dir /home/backup/.pgbackops orders # pgbackops:orders:${e1.hash}`,
    ]);
    expect(block).not.toContain('%');
  });

  it('refuses a user field', () => {
    expect(() => renderCrontabBlock([], { ...opts, user: 'root' })).toThrow(/no user field/);
  });
});

describe('spliceCrontab keeps foreign text byte for byte', () => {
  for (const [label, foreign] of Object.entries(foreignTexts)) {
    it(label, () => {
      const added = spliceCrontab(foreign, block);
      // Foreign text first, untouched; our block last.
      expect(added.startsWith(foreign)).toBe(true);
      expect(added.endsWith(BLOCK_END + '\n')).toBe(true);
      expect(parseCrontabBlock(added).entries.map((e) => e.name)).toEqual(['crm', 'orders']);

      const replaced = spliceCrontab(added, block2);
      expect(replaced.startsWith(foreign)).toBe(true);
      expect(parseCrontabBlock(replaced).entries.map((e) => e.name)).toEqual(['orders']);
      expect(spliceCrontab(replaced, block2)).toBe(replaced);

      // Removing our block gives back exactly the user's text, even when a newline had to be added.
      expect(spliceCrontab(replaced, null)).toBe(foreign);
      expect(spliceCrontab(added, null)).toBe(foreign);
      expect(spliceCrontab(foreign, null)).toBe(foreign);
    });
  }

  it('replaces a block in the middle in place, keeping the lines after it', () => {
    const before = 'MAILTO=x\r\n0 1 * * * /a\n';
    const after = '# added later by the user\n0 2 * * * /b';
    const text = before + block + after;
    expect(spliceCrontab(text, block2)).toBe(before + block2 + after);
    expect(spliceCrontab(text, null)).toBe(before + after);
  });

  it('does not join the user lines when they added lines after a block that needed a newline', () => {
    const added = spliceCrontab('0 1 * * * /a', block);
    const withLater = added + '0 2 * * * /b\n';
    expect(spliceCrontab(withLater, null)).toBe('0 1 * * * /a\n0 2 * * * /b\n');
    expect(spliceCrontab(withLater, block2)).toBe(spliceCrontab('0 1 * * * /a', block2) + '0 2 * * * /b\n');
  });

  it('recognises a block whose lines were converted to CRLF instead of appending a second one', () => {
    const crlf = ('0 1 * * * /a\n' + block).replace(/\n/g, '\r\n');
    const observed = parseCrontabBlock(crlf);
    expect(observed.present).toBe(true);
    // Our lines now end in \r: reported as edited, so the next write restores them.
    expect(observed.entries.every((e) => e.edited)).toBe(true);
    expect(observed.problems).toContain('unexpected setting: "SHELL=/bin/sh\\r"');
    expect(spliceCrontab(crlf, block)).toBe('0 1 * * * /a\r\n' + block);
  });

  it('refuses a block argument that is not one rendered block', () => {
    expect(() => spliceCrontab('', 'hello\n')).toThrow(/exactly one rendered/);
    expect(() => spliceCrontab('', block + block)).toThrow();
    expect(() => spliceCrontab('', block.slice(0, -1))).toThrow(/exactly one rendered/);
  });
});

describe('corrupt fences are refused, not guessed', () => {
  const cases: Record<string, string> = {
    'two blocks': `${block}0 1 * * * /a\n${block}`,
    unterminated: `0 1 * * * /a\n${block.replace(BLOCK_END + '\n', '')}`,
    'fence inside': block.replace('SHELL=/bin/sh\n', `SHELL=/bin/sh\n${BLOCK_BEGIN}\n`),
    'END without BEGIN': `0 1 * * * /a\n${BLOCK_END}\n`,
    'mangled fence': block.replace(BLOCK_BEGIN, '# BEGIN pgbackops managed block'),
    'END before BEGIN': `${BLOCK_END}\n${block}`,
  };
  for (const [label, text] of Object.entries(cases)) {
    it(label, () => {
      expect(() => parseCrontabBlock(text)).toThrow(ScheduleError);
      expect(() => spliceCrontab(text, block)).toThrow(/damaged/);
      expect(() => spliceCrontab(text, null)).toThrow(/damaged/);
      try {
        parseCrontabBlock(text);
      } catch (err) {
        expect((err as ScheduleError).code).toBe('SCHEDULE_CORRUPT_BLOCK');
      }
    });
  }
});

describe('parseCrontabBlock', () => {
  it('reads only inside the fence; foreign lines, even marked ones, are not ours', () => {
    const foreignMarked = `0 1 * * * /x run --state-dir /y stolen # pgbackops:stolen:${'a'.repeat(12)}\n`;
    const text = foreignMarked + spliceCrontab(foreignTexts['blank lines and env']!, block);
    const observed = parseCrontabBlock(text);
    expect(observed.entries.map((e) => [e.name, e.edited])).toEqual([['crm', false], ['orders', false]]);
    expect(observed.problems).toEqual([]);
    expect(observed.contentHash).toBe(sha256Hex(block));
  });

  it('the content hash covers the block only and changes when it does', () => {
    const a = parseCrontabBlock('0 1 * * * /a\n' + block);
    const b = parseCrontabBlock('0 2 * * * /b\n' + block);
    expect(a.contentHash).toBe(b.contentHash);
    expect(parseCrontabBlock(block2).contentHash).not.toBe(a.contentHash);
  });

  it('is absent (hash of the empty string) when there is no block', () => {
    expect(parseCrontabBlock('0 1 * * * /a\n')).toEqual({ entries: [], contentHash: sha256Hex(''), present: false, problems: [] });
  });

  it('round-trips: render(parse(render(e))) === render(e)', () => {
    expect(renderCrontabBlock(parseCrontabBlock(block).entries, opts)).toBe(block);
    const empty = renderCrontabBlock([], opts);
    expect(renderCrontabBlock(parseCrontabBlock(empty).entries, opts)).toBe(empty);
  });

  it('detects a hand-edited line, a deleted line and an added unknown line', () => {
    const edited = parseCrontabBlock(block.replace('41 1 * * *', '41 2 * * *'));
    expect(edited.entries.find((e) => e.name === 'orders')).toMatchObject({ edited: true, schedule: '41 2 * * *', hash: e1.hash });
    const deleted = parseCrontabBlock(block.split('\n').filter((l) => !l.includes(' crm # ')).join('\n'));
    expect(deleted.entries.map((e) => e.name)).toEqual(['orders']);
    const added = parseCrontabBlock(block.replace(BLOCK_END, `* * * * * /bin/evil\n${BLOCK_END}`));
    expect(added.entries).toHaveLength(2);
    expect(added.problems).toEqual(['unknown line in the managed content: "* * * * * /bin/evil"']);
  });

  it('a newline note added by splice does not count as drift', () => {
    const observed = parseCrontabBlock(spliceCrontab('0 1 * * * /a', block));
    expect(observed.problems).toEqual([]);
    expect(observed.entries.every((e) => !e.edited)).toBe(true);
  });
});
