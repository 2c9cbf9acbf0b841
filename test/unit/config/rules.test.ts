// The small pure rules behind the diagnostics, case by case.
import { describe, expect, it } from 'vitest';
import { databaseNameProblem } from '../../../src/core/config/database-names.js';
import { durationProblem, parseDuration } from '../../../src/core/time/duration.js';
import { hostProblem } from '../../../src/core/config/hosts.js';
import { nameProblem } from '../../../src/core/names.js';
import { pathProblem } from '../../../src/core/config/paths.js';
import { unstorableTextFindings } from '../../../src/core/config/storable-text.js';
import { findSecrets } from '../../../src/core/config/secrets.js';
import { canonicalTimeZone } from '../../../src/core/config/timezones.js';

describe('durations', () => {
  const HOUR = 3_600_000;
  it.each([
    ['30m', 0, HOUR / 2],
    ['36h', 0, 36 * HOUR],
    ['7d', 0, 7 * 24 * HOUR],
    ['2w', 0, 14 * 24 * HOUR],
    ['6mo', 6, 0],
    ['1y', 12, 0],
    ['1d12h', 0, 36 * HOUR],
    ['1y6mo', 18, 0],
    ['1w2d3h4m', 0, (9 * 24 + 3) * HOUR + 4 * 60_000],
  ])('%s', (text, months, milliseconds) => {
    expect(parseDuration(text)).toEqual({ months, milliseconds });
    expect(durationProblem(text)).toBeNull();
  });

  it.each([
    ['', /not a duration/],
    ['7', /no unit/],
    ['7days', /not a duration/],
    ['12h1d', /not a duration/], // largest unit first
    ['1d1d', /not a duration/],
    ['0d', /zero/],
    ['-1d', /not a duration/],
    ['1.5d', /not a duration/],
    ['7 d', /not a duration/],
    ['99999999y', /zero or absurdly long/],
  ])('refuses %j', (text, message) => {
    expect(parseDuration(text)).toBeNull();
    expect(durationProblem(text)).toMatch(message);
  });
});


describe('secrets', () => {
  it.each([
    [{ password: 'x' }, '/password'],
    [{ spec: { dbPassword: 'x' } }, '/spec/dbPassword'],
    [{ spec: { PGPASSWORD: 'x' } }, '/spec/PGPASSWORD'],
    [{ spec: { passwd: 'x' } }, '/spec/passwd'],
    [{ spec: { client_secret: 'x' } }, '/spec/client_secret'],
    [{ spec: { apiToken: 'x' } }, '/spec/apiToken'],
    [{ spec: { sslpassword: 'x' } }, '/spec/sslpassword'],
    [{ a: 'host=db user=u password=x' }, '/a'],
    [{ a: 'host=db password = x' }, '/a'],
    [{ a: 'postgresql://db/app?password=x' }, '/a'],
    [{ a: 'PGPASSWORD=x pg_dump' }, '/a'],
    [{ a: 'postgresql://u:x@db:5432/app' }, '/a'],
    [{ a: 'postgres://:x@db/app' }, '/a'],
    [{ a: ['ok', { b: 'https://u:x@host/' }] }, '/a/1/b'],
  ])('finds %j', (value, pointer) => {
    const found = findSecrets(value);
    expect(found).toHaveLength(1);
    expect('/' + found[0]!.path.join('/')).toBe(pointer);
    expect(found[0]!.message).not.toContain(': x');
  });

  it.each([
    { passfile: '/etc/pgbackops/pgpass' },
    { service: 'orders' },
    { sslkey: '/etc/ssl/private/client.key' },
    { remarks: 'passwords are in the vault, see runbook' },
    { host: 'postgresql://u@db/app' }, // user without password
    { a: 'mailto:dba@example.org' },
    { keepFailedFor: '7d' },
  ])('leaves %j alone', (value) => {
    expect(findSecrets(value)).toEqual([]);
  });
});

describe('hosts', () => {
  it.each(['db', 'pg-orders.example.org', 'pg-orders.example.org.', '10.0.0.12', '::1', 'fe80::1', 'db_1.internal'])('accepts %j', (host) => {
    expect(hostProblem(host, { allowSocketDirectory: false })).toBeNull();
  });
  it('accepts a socket directory for nodes only', () => {
    expect(hostProblem('/var/run/postgresql', { allowSocketDirectory: true })).toBeNull();
    expect(hostProblem('/var/run/postgresql', { allowSocketDirectory: false })).toMatch(/socket directory/);
    expect(hostProblem('/var/../tmp', { allowSocketDirectory: true })).toMatch(/\.\./);
  });
  it.each([
    ['db:5433', /spec.port/],
    ['postgresql://db', /URL/],
    ['a,b', /several hosts/],
    ['my db', /whitespace/],
    ['-oProxyCommand=id', /host name/],
    ['db;id', /host name/],
    ['a..b', /host name/],
    ['x'.repeat(64), /host name/],
  ])('refuses %j', (host, message) => {
    expect(hostProblem(host, { allowSocketDirectory: true })).toMatch(message);
  });
});

describe('names', () => {
  it.each(['a', 'backup01', 'pg-orders', 'a'.repeat(63), '0'])('accepts %j', (name) => expect(nameProblem(name)).toBeNull());
  it.each([
    ['', /empty/],
    ['../etc', /path traversal/],
    ['a/b', /directory names/],
    ['x;rm -rf /', /shell character ";"/],
    ['$(id)', /shell character "\$"/],
    ['`id`', /shell character "`"/],
    ['a|b', /shell character/],
    ['a\nb', /control character/],
    ['a b', /whitespace/],
    ['pgbackops.conf', /cron silently ignores/],
    ['Orders', /uppercase.*\(for example "orders"\)/],
    ['a_b', /"_".*\(for example "a-b"\)/],
    ['-a', /starts or ends with "-"/],
    ['a-', /starts or ends with "-"/],
    ['a'.repeat(64), /64 characters/],
    ['café', /other than a-z/],
  ])('refuses %j', (name, message) => {
    expect(nameProblem(name)).toMatch(message);
  });
});

describe('paths, database names, time zones', () => {
  it('paths', () => {
    expect(pathProblem('/srv/pgbackops', { allowRelative: false })).toBeNull();
    expect(pathProblem('backups', { allowRelative: true })).toBeNull();
    expect(pathProblem('backups', { allowRelative: false })).toMatch(/not absolute/);
    expect(pathProblem('/srv/../etc', { allowRelative: false })).toMatch(/\.\./);
    expect(pathProblem('a/..', { allowRelative: true })).toMatch(/\.\./);
    expect(pathProblem('/srv/..backups', { allowRelative: false })).toBeNull(); // a name, not a segment
    expect(pathProblem('~/x', { allowRelative: true })).toMatch(/~/);
    expect(pathProblem('/a\nb', { allowRelative: false })).toMatch(/line break/);
    for (const root of ['/', '//', '///', '/.', '/./', '//./.']) expect(pathProblem(root, { allowRelative: true }), root).toMatch(/file system root/);
    for (const state of ['.', './', './/.']) expect(pathProblem(state, { allowRelative: true }), state).toMatch(/state directory itself/);
    expect(pathProblem('/srv//pgbackops/./', { allowRelative: false })).toBeNull();
  });

  it('database names are counted in bytes, and any character is fine (NUL is refused in every string)', () => {
    expect(databaseNameProblem('orders')).toBeNull();
    expect(databaseNameProblem('weird name; $(x)')).toBeNull();
    expect(databaseNameProblem('é'.repeat(31))).toBeNull(); // 62 bytes
    expect(databaseNameProblem('é'.repeat(32))).toMatch(/64 bytes/);
    expect(databaseNameProblem('')).toMatch(/empty/);
    expect(databaseNameProblem('a\0b')).toBeNull();
    expect(unstorableTextFindings({ spec: { databases: ['a\0b'] } }).map((f) => f.path)).toEqual([['spec', 'databases', 0]]);
  });

  it('text PostgreSQL cannot store: NUL and unpaired surrogates, in values and keys', () => {
    const codes = (value: unknown) => unstorableTextFindings(value).map((f) => [f.code, f.path.join('.'), f.target]);
    expect(codes({ a: 'x\u0000', b: ['\uD800'], c: '\uDC00x', d: 'x\uDBFF', e: '\uD83D\uDC18 é \u00A0' })).toEqual([
      ['E_NUL_CHARACTER', 'a', 'value'],
      ['E_UNPAIRED_SURROGATE', 'b.0', 'value'],
      ['E_UNPAIRED_SURROGATE', 'c', 'value'],
      ['E_UNPAIRED_SURROGATE', 'd', 'value'],
    ]);
    expect(codes({ m: { 'k\0': 'v', '\uDFFF': 1 } })).toEqual([
      ['E_NUL_CHARACTER', 'm.k\0', 'key'],
      ['E_UNPAIRED_SURROGATE', 'm.\uDFFF', 'key'],
    ]);
  });

  it('time zones are IANA names, compared in canonical form', () => {
    expect(canonicalTimeZone('Europe/Paris')).toBe('Europe/Paris');
    expect(canonicalTimeZone('Etc/UTC')).toBe(canonicalTimeZone('UTC'));
    expect(canonicalTimeZone('Mars/Olympus')).toBeNull();
  });
});
