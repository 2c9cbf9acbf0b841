import { describe, expect, it } from 'vitest';
import { extraArgProblem, extraArgsProblems } from '../../../src/core/dump/extra-args.js';

describe('extraArgProblem: pg_dump', () => {
  it.each([
    '--lock-wait-timeout=30s',
    '--no-comments',
    '--no-owner',
    '-v',
    '-O',
    '-x',
    '-vOx',
    '--schema=public', // exact --schema wins over the abbreviation of --schema-only
    '--table=a.b',
    '-nsales',
    '-vnsales', // bundle ending in a value-taking option with its value attached
    '--exclude-table-data=public.log',
    '--role=backup_reader',
    '--serializable-deferrable',
    '--no-sync',
    '--no-password',
    '--section=pre-data',
    '--extra-float-digits=3',
  ])('accepts %s', (arg) => {
    expect(extraArgProblem(arg, 'pg_dump')).toBeNull();
  });

  it.each([
    ['--file=/tmp/x', /managed/],
    ['--fi=/tmp/x', /managed/], // abbreviation of --file
    ['-f/tmp/x', /managed/],
    ['-vf/tmp/x', /managed/], // bundled
    ['--host=evil', /managed/],
    ['--ho=evil', /managed/],
    ['-hevil', /managed/],
    ['--port=1', /managed/],
    ['--username=x', /managed/],
    ['-Ux', /managed/],
    ['--dbname=host=evil', /managed/],
    ['-dx', /managed/],
    ['--password', /managed/],
    ['-W', /managed/],
    ['--format=p', /managed/],
    ['-Fp', /managed/],
    ['--jobs=8', /managed/],
    ['-j8', /managed/],
    ['--compress=9', /managed/],
    ['-Z0', /managed/],
    ['--schema-only', /managed/],
    ['--schema-o', /managed/],
    ['-s', /managed/],
    ['--data-only', /managed/],
    ['-a', /managed/],
    ['--help', /managed/],
    ['-?', /managed/],
    ['--version', /managed/],
    ['-V', /managed/],
    ['app', /not an option/],
    ['host=evil dbname=x', /not an option/],
    ['', /not an option/],
    ['-', /not an option/],
    ['--', /turn the options after it/],
    ['--comment=a\nb', /line break/],
    ['--lock-wait-timeout', /takes a value/],
    ['--lock', /takes a value/],
    ['--schema', /takes a value/],
    ['-n', /takes a value/],
    ['-vn', /takes a value/],
  ])('refuses %s', (arg, message) => {
    expect(extraArgProblem(arg, 'pg_dump')).toMatch(message);
  });
});

describe('extraArgProblem: pg_dumpall', () => {
  it.each(['--no-role-passwords', '--exclude-database=scratch*', '--lock-wait-timeout=1min', '--if-exists', '-O'])('accepts %s', (arg) => {
    expect(extraArgProblem(arg, 'pg_dumpall')).toBeNull();
  });
  it.each(['--globals-only', '-g', '--roles-only', '-r', '--tablespaces-only', '-t', '-lpostgres', '--database=x', '--data-only', '-s', '--file=x'])(
    'refuses %s',
    (arg) => {
      expect(extraArgProblem(arg, 'pg_dumpall')).toMatch(/managed/);
    },
  );
});

describe('extraArgProblem: options that would make a restore touch what it did not create', () => {
  it.each(['--clean', '--cle', '-c', '-vc', '--create', '--cr', '-C', '-OC'])('pg_dump refuses %s', (arg) => {
    expect(extraArgProblem(arg, 'pg_dump')).toMatch(/never overwrites/);
  });
  it.each(['--clean', '--cl', '-c', '-Oc'])('pg_dumpall refuses %s', (arg) => {
    expect(extraArgProblem(arg, 'pg_dumpall')).toMatch(/never overwrites/);
  });
  it.each(['--column-inserts', '--if-exists'])('pg_dump still accepts %s', (arg) => {
    expect(extraArgProblem(arg, 'pg_dump')).toBeNull();
  });
});

describe('extraArgsProblems', () => {
  it('lists every problem, in order', () => {
    expect(extraArgsProblems(['-v', '--file=x', 'app'], 'pg_dump')).toHaveLength(2);
    expect(extraArgsProblems([], 'pg_dump')).toEqual([]);
  });
});
