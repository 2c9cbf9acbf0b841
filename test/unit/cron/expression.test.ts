import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { Cron } from 'croner';
import { checkCronExpression, CRON_MACROS, resolveHashedSchedule } from '../../../src/core/cron/expression.js';

const CRONTAB = '/usr/bin/crontab';

const ACCEPTED = [
    '41 1 * * *',
    '*/15 * * * *',
    '0 0-23/2 * * *',
    '0,30 8-18 * * mon-fri',
    '0 0 1 jan,jul *',
    '0 3 * * 7',
    '0 3 * * 0-7',
    '0 3 * * SUN',
    '  0   3 * *   *  ',
    '0\t3 * * *',
    'H * * * *',
    'H H(0-5) * * *',
    'H/15 * * * *',
    'H(0-29)/10 * * * *',
    'H H H H H',
    '0 0 29 2 *', // only in leap years, but it does run
    '0 0 31 * *',
    '0 0 30 2 1', // day of week set: cron fires on Mondays in February anyway
    '@hourly',
    '@daily',
    '@weekly',
    '@monthly',
    '@yearly',
    '@annually',
    '@midnight',
    '@DAILY',
];

describe('checkCronExpression', () => {
  it.each(ACCEPTED)('accepts %j', (expr) => {
    expect(checkCronExpression(expr)).toEqual({ ok: true });
  });

  it.each([
    ['', undefined, /empty/],
    ['* * * *', undefined, /4 field/],
    ['0 * * * * *', undefined, /seconds/],
    ['0 0 * * * * 2024', undefined, /seconds and years/],
    ['60 * * * *', 0, /60 is out of range for the minute field \(0-59\)/],
    ['0 24 * * *', 1, /out of range for the hour/],
    ['0 0 0 * *', 2, /out of range for the day of month/],
    ['0 0 32 * *', 2, /out of range/],
    ['0 0 * 13 *', 3, /out of range for the month/],
    ['0 0 * * 8', 4, /out of range for the day of week/],
    ['0 0 L * *', 2, /Quartz/],
    ['0 0 15W * *', 2, /Quartz/],
    ['0 0 LW * *', 2, /Quartz/],
    ['0 0 * * 5L', 4, /Quartz/],
    ['0 0 * * 1#2', 4, /Quartz/],
    ['0 0 ? * *', 2, /Quartz/],
    ['*/0 * * * *', 0, /step "\/0"/],
    ['*/61 * * * *', 0, /step/],
    ['5/10 * * * *', 0, /a step needs a range or \*/],
    ['10-5 * * * *', 0, /reversed/],
    ['1,,2 * * * *', 0, /empty list element/],
    ['0 0 * * funday', 4, /not a valid day of week value/],
    ['0 0 * foo *', 3, /not a valid month value/],
    ['a * * * *', 0, /not a valid minute value/],
    ['-5 * * * *', 0, /cannot read/],
    ['0 0 * * mon-', 4, /cannot read/],
    ['H(30-10) * * * *', 0, /reversed/],
    ['H(0-60) * * * *', 0, /out of range/],
    ['h * * * *', 0, /not a valid minute value/],
    ['0 0 30 2 *', 2, /never run/],
    ['0 0 31 4,6 *', 2, /never run/],
    ['@reboot', undefined, /@reboot is not a schedule/],
    ['@often', undefined, /unknown macro/],
    ['0 0 * * *\n0 1 * * *', undefined, /single line/],
  ])('rejects %j', (expr, field, message) => {
    const result = checkCronExpression(expr);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toMatch(message);
    expect(result.field).toBe(field);
  });
});

describe('resolveHashedSchedule', () => {
  const names = Array.from({ length: 400 }, (_, i) => `backup-${i}`);

  it('leaves an expression without H as written, whitespace normalised', () => {
    expect(resolveHashedSchedule('41 1 * * *', 'x')).toBe('41 1 * * *');
    expect(resolveHashedSchedule('  0\t3   * *  mon-fri ', 'x')).toBe('0 3 * * mon-fri');
  });

  it('expands every macro to its five fields', () => {
    for (const [macro, fields] of Object.entries(CRON_MACROS)) expect(resolveHashedSchedule(macro, 'x')).toBe(fields);
    expect(resolveHashedSchedule('@daily', 'x')).toBe('0 0 * * *');
    expect(resolveHashedSchedule('@weekly', 'x')).toBe('0 0 * * 0');
  });

  it('is stable: same seed, same result (golden values guard against changes across versions and machines)', () => {
    expect(resolveHashedSchedule('H H * * *', 'orders-nightly')).toBe(resolveHashedSchedule('H H * * *', 'orders-nightly'));
    // sha256("orders-nightly:0") and ":1" -> first 4 bytes, modulo 60 and 24: fixed forever.
    expect(resolveHashedSchedule('H H * * *', 'orders-nightly')).toBe('21 11 * * *');
    for (const name of names.slice(0, 20)) {
      const expected = [independentH(name, 0, 0, 59), independentH(name, 1, 0, 23), independentH(name, 2, 1, 28), '*', independentH(name, 4, 0, 6)];
      expect(resolveHashedSchedule('H H H * H', name)).toBe(expected.join(' '));
    }
  });

  it('keeps every H value inside its field range, and inside H(a-b)', () => {
    for (const name of names) {
      const [minute, hour, day, month, weekday] = resolveHashedSchedule('H H H H H', name).split(' ').map(Number);
      expect(minute).toBeGreaterThanOrEqual(0);
      expect(minute).toBeLessThanOrEqual(59);
      expect(hour).toBeGreaterThanOrEqual(0);
      expect(hour).toBeLessThanOrEqual(23);
      expect(day).toBeGreaterThanOrEqual(1);
      expect(day).toBeLessThanOrEqual(28); // every month has it
      expect(month).toBeGreaterThanOrEqual(1);
      expect(month).toBeLessThanOrEqual(12);
      expect(weekday).toBeGreaterThanOrEqual(0);
      expect(weekday).toBeLessThanOrEqual(6); // Sunday once, not as 0 and 7
      const restricted = Number(resolveHashedSchedule('0 H(2-5) * * *', name).split(' ')[1]);
      expect(restricted).toBeGreaterThanOrEqual(2);
      expect(restricted).toBeLessThanOrEqual(5);
    }
  });

  it('spreads different names over the range', () => {
    const minutes = new Set(names.map((n) => resolveHashedSchedule('H 2 * * *', n)));
    // 400 names over 60 minutes: every minute (or nearly) is used, nowhere near "all at 02:00".
    expect(minutes.size).toBeGreaterThanOrEqual(55);
    const hours = new Set(names.map((n) => resolveHashedSchedule('0 H * * *', n).split(' ')[1]));
    expect(hours.size).toBe(24);
  });

  it('turns H/n into start-max/n with the start inside the first step', () => {
    const starts = new Set<number>();
    for (const name of names) {
      const minute = resolveHashedSchedule('H/15 * * * *', name).split(' ')[0]!;
      const m = /^(\d+)-59\/15$/.exec(minute);
      expect(m, minute).not.toBeNull();
      const start = Number(m![1]);
      expect(start).toBeGreaterThanOrEqual(0);
      expect(start).toBeLessThan(15);
      starts.add(start);
      const hour = resolveHashedSchedule('0 H(8-18)/4 * * *', name).split(' ')[1]!;
      expect(hour).toMatch(/^(8|9|10|11)-18\/4$/);
      expect(resolveHashedSchedule('0 0 * * H/2', name).split(' ')[4]).toMatch(/^[01]-6\/2$/);
    }
    expect(starts.size).toBe(15);
  });

  it('resolves each element of a list and leaves names alone', () => {
    const [minute, , , , weekday] = resolveHashedSchedule('H(0-29),H(30-59) 1 * * thu', 'x').split(' ');
    const [a, b] = minute!.split(',').map(Number);
    expect(a).toBeLessThanOrEqual(29);
    expect(b).toBeGreaterThanOrEqual(30);
    expect(weekday).toBe('thu');
  });

  it('produces expressions croner (the builtin scheduler) accepts and that fire', () => {
    const from = new Date('2024-01-01T00:00:00Z');
    for (const expr of ['H H * * *', 'H/15 * * * *', 'H H(0-5) * * 0', 'H H H * *', 'H H * H H', '0 H(8-18)/4 * * mon-fri', '@weekly']) {
      for (const name of names.slice(0, 50)) {
        const resolved = resolveHashedSchedule(expr, name);
        const next = new Cron(resolved, { paused: true, timezone: 'UTC' }).nextRun(from);
        expect(next, `${expr} -> ${resolved}`).toBeInstanceOf(Date);
      }
    }
  });

  // Debian's own parser is the judge for the cron.d and crontab targets: `crontab -n` checks a file's
  // syntax without installing anything.
  it.skipIf(!existsSync(CRONTAB))('produces lines Debian cron accepts (crontab -n)', async () => {
    const lines = ACCEPTED.flatMap((expr) => names.slice(0, 5).map((name) => `${resolveHashedSchedule(expr, name)} /bin/true`));
    const dir = await mkdtemp(join(tmpdir(), 'pgbackops-cron-'));
    try {
      await writeFile(join(dir, 'crontab'), lines.join('\n') + '\n');
      const result = await execa(CRONTAB, ['-n', join(dir, 'crontab')], { reject: false, all: true });
      expect(result.exitCode, result.all).toBe(0);
      // And the check is real: a line our validator refuses is refused by cron too.
      await writeFile(join(dir, 'bad'), '5/10 * * * * /bin/true\n');
      expect((await execa(CRONTAB, ['-n', join(dir, 'bad')], { reject: false })).exitCode).not.toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an invalid expression', () => {
    expect(() => resolveHashedSchedule('61 * * * *', 'x')).toThrow(/out of range/);
  });
});

/** The documented definition of H, written independently of the implementation. */
function independentH(seed: string, fieldIndex: number, min: number, max: number): number {
  return min + (createHash('sha256').update(`${seed}:${fieldIndex}`).digest().readUInt32BE(0) % (max - min + 1));
}
