import { describe, expect, it } from 'vitest';
import { buildDumpCommand, conninfoDbname, DumpCommandError, redactArgv } from '../../../src/core/dump/dump-command.js';
import type { BackupType, CompressionMethod, DumpFormat } from '../../../src/core/model.js';
import { backup, node } from './fixtures.js';

const OUT = '/srv/pgbackops/tmp/run-1/app.dump';

describe('buildDumpCommand: pg_dump', () => {
  it('builds a full custom-format dump with every connection detail in the environment', () => {
    const cmd = buildDumpCommand(backup(), node({ passfile: '/etc/pgbackops/pgpass' }), 'app', OUT, 15);
    expect(cmd).toEqual({
      tool: 'pg_dump',
      args: ['--format=custom', '--compress=6', '--no-password', `--file=${OUT}`],
      env: {
        PGHOST: 'pg1.example.org',
        PGPORT: '5432',
        PGUSER: 'backup',
        PGDATABASE: 'app',
        PGPASSFILE: '/etc/pgbackops/pgpass',
        PGAPPNAME: 'pgbackops',
        PGCONNECT_TIMEOUT: '15',
      },
      output: OUT,
      compress: null,
    });
  });

  const types: Array<[Exclude<BackupType, 'cluster'>, string[]]> = [
    ['full', []],
    ['schema', ['--schema-only']],
    ['data', ['--data-only']],
  ];
  const formats: DumpFormat[] = ['custom', 'directory', 'plain'];
  const compressions: Array<{ method: CompressionMethod; level?: number }> = [
    { method: 'gzip', level: 6 },
    { method: 'gzip', level: 0 },
    { method: 'gzip' },
    { method: 'none' },
    { method: 'lz4', level: 1 },
    { method: 'lz4' },
    { method: 'zstd', level: 3 },
    { method: 'zstd', level: 19 },
    { method: 'zstd' },
  ];
  const expectedCompression = (c: { method: CompressionMethod; level?: number }, major: number): string | null => {
    if (major < 16) {
      if (c.method === 'lz4' || c.method === 'zstd') return null;
      return `--compress=${c.method === 'none' ? 0 : (c.level ?? 6)}`;
    }
    if (c.method === 'none' || (c.method === 'gzip' && c.level === 0)) return '--compress=none';
    const defaults = { gzip: 6, lz4: 1, zstd: 3 } as const;
    return `--compress=${c.method}:${c.level ?? defaults[c.method]}`;
  };

  for (const major of [13, 15, 16, 17, 18]) {
    for (const [type, typeFlags] of types) {
      for (const format of formats) {
        for (const compression of compressions) {
          const jobs = format === 'directory' ? 4 : 1;
          it(`pg_dump ${major}, ${type}, ${format}, ${compression.method}:${compression.level ?? 'default'}`, () => {
            const spec = backup({ type, format, jobs, compression });
            const expected = expectedCompression(compression, major);
            if (expected === null) {
              expect(() => buildDumpCommand(spec, node(), 'app', OUT, major)).toThrow(/needs pg_dump 16 or later/);
              return;
            }
            const cmd = buildDumpCommand(spec, node(), 'app', OUT, major);
            expect(cmd.tool).toBe('pg_dump');
            expect(cmd.args).toEqual([
              `--format=${format}`,
              expected,
              ...(jobs > 1 ? ['--jobs=4'] : []),
              ...typeFlags,
              '--no-password',
              `--file=${OUT}`,
            ]);
            expect(cmd.env.PGDATABASE).toBe('app');
          });
        }
      }
    }
  }

  it('gives every filter its own --name=value element, in include/exclude schema/table order', () => {
    const cmd = buildDumpCommand(
      backup({
        includeSchemas: ['"Sales"', 'public'],
        excludeSchemas: ['audit'],
        includeTables: ['public."Order Items"'],
        excludeTables: ['public.*_log'],
      }),
      node(),
      'app',
      OUT,
      15,
    );
    expect(cmd.args).toEqual([
      '--format=custom',
      '--compress=6',
      '--schema="Sales"',
      '--schema=public',
      '--exclude-schema=audit',
      '--table=public."Order Items"',
      '--exclude-table=public.*_log',
      '--no-password',
      `--file=${OUT}`,
    ]);
  });

  it('keeps hostile names one argv element each, never an option of their own', () => {
    const hostile = ['-f/etc/passwd', '--file=/tmp/x', 'a b; rm -rf /', "it's", '$(reboot)', 'line\nbreak', 'ünï'];
    const cmd = buildDumpCommand(
      backup({ includeSchemas: hostile, excludeTables: hostile }),
      node(),
      'host=evil.example.org dbname=x',
      '-output dir/dump',
      15,
    );
    for (const name of hostile) {
      expect(cmd.args).toContain(`--schema=${name}`);
      expect(cmd.args).toContain(`--exclude-table=${name}`);
    }
    // No element but pgbackops' own starts with a dash that is not one of its --name= forms.
    for (const arg of cmd.args) expect(arg).toMatch(/^--(format|compress|schema|exclude-table|no-password|file)(=|$)/s);
    expect(cmd.args.at(-1)).toBe('--file=-output dir/dump');
    // The database travels only in the environment, verbatim.
    expect(cmd.env.PGDATABASE).toBe('host=evil.example.org dbname=x');
    expect(cmd.args.join(' ')).not.toContain('evil');
  });

  it('puts extraArgs first and the fixed flags after them', () => {
    const cmd = buildDumpCommand(backup({ extraArgs: ['--lock-wait-timeout=30s', '--no-comments', '-v'] }), node(), 'app', OUT, 16);
    expect(cmd.args).toEqual([
      '--lock-wait-timeout=30s',
      '--no-comments',
      '-v',
      '--format=custom',
      '--compress=gzip:6',
      '--no-password',
      `--file=${OUT}`,
    ]);
  });

  it('refuses extraArgs that would change the connection, output or format', () => {
    for (const bad of ['--file=/tmp/x', '-f/tmp/x', '-vf/tmp/x', '--fi=/tmp/x', '--host=evil', 'app', '--', '-Fp', '--compress=9', '-Z9', '--lock-wait-timeout']) {
      expect(() => buildDumpCommand(backup({ extraArgs: [bad] }), node(), 'app', OUT, 15), bad).toThrow(DumpCommandError);
    }
  });

  it('refuses jobs without the directory format, and a missing database', () => {
    expect(() => buildDumpCommand(backup({ jobs: 2, format: 'custom' }), node(), 'app', OUT, 15)).toThrow(/needs format: directory/);
    expect(() => buildDumpCommand(backup(), node(), null, OUT, 15)).toThrow(/dumps one database/);
  });

  it('passes the optional libpq mechanisms of the Node through the environment', () => {
    const cmd = buildDumpCommand(
      backup(),
      node({ host: '/var/run/postgresql', service: 'pg1', sslmode: 'verify-full', sslcert: '/c.crt', sslkey: '/c.key', sslrootcert: '/root.crt' }),
      'app',
      OUT,
      15,
    );
    expect(cmd.env).toMatchObject({
      PGHOST: '/var/run/postgresql',
      PGSERVICE: 'pg1',
      PGSSLMODE: 'verify-full',
      PGSSLCERT: '/c.crt',
      PGSSLKEY: '/c.key',
      PGSSLROOTCERT: '/root.crt',
    });
    expect(cmd.env).not.toHaveProperty('PGPASSWORD');
    expect(cmd.env).not.toHaveProperty('PGPASSFILE');
  });
});

describe('buildDumpCommand: pg_dumpall (cluster)', () => {
  const cluster = backup({ type: 'cluster', databases: 'all', format: 'plain', compression: { method: 'none' } });

  it('connects first to the maintenance database, through a quoted connection string', () => {
    const cmd = buildDumpCommand(cluster, node({ maintenanceDatabase: "ops db 'main'" }), null, '/srv/x/cluster.sql', 15);
    expect(cmd).toEqual({
      tool: 'pg_dumpall',
      args: ["--database=dbname='ops db \\'main\\''", '--no-password', '--file=/srv/x/cluster.sql'],
      env: expect.objectContaining({ PGDATABASE: "ops db 'main'", PGHOST: 'pg1.example.org' }),
      output: '/srv/x/cluster.sql',
      compress: null,
    });
  });

  it('compressed: pg_dumpall writes to stdout, piped through the method\'s program at its level', () => {
    const gz = buildDumpCommand({ ...cluster, compression: { method: 'gzip', level: 9 } }, node(), null, '/srv/x/dump.sql.gz', 15);
    expect(gz.args).not.toContainEqual(expect.stringMatching(/^--file/));
    expect(gz.compress).toEqual({ program: 'gzip', args: ['--stdout', '--no-name', '-9'] });
    expect(redactArgv(gz).slice(-7)).toEqual(['|', 'gzip', '--stdout', '--no-name', '-9', '>', '/srv/x/dump.sql.gz']);
    // lz4 and zstd need no pg_dump 16: the program compresses, not pg_dumpall.
    expect(buildDumpCommand({ ...cluster, compression: { method: 'zstd' } }, node(), null, OUT, 15).compress).toEqual({ program: 'zstd', args: ['-q', '-c', '-3'] });
    expect(buildDumpCommand({ ...cluster, compression: { method: 'zstd', level: 22 } }, node(), null, OUT, 15).compress?.args).toContain('--ultra');
    expect(buildDumpCommand({ ...cluster, compression: { method: 'lz4', level: 12 } }, node(), null, OUT, 15).compress).toEqual({ program: 'lz4', args: ['-q', '-c', '-12'] });
    // gzip level 0 is no compression, as for pg_dump.
    expect(buildDumpCommand({ ...cluster, compression: { method: 'gzip', level: 0 } }, node(), null, OUT, 15).compress).toBeNull();
  });

  it('refuses what pg_dumpall cannot do', () => {
    expect(() => buildDumpCommand({ ...cluster, format: 'custom' }, node(), null, OUT, 15)).toThrow(/plain SQL/);
    expect(() => buildDumpCommand({ ...cluster, includeSchemas: ['x'] }, node(), null, OUT, 15)).toThrow(/filters/);
    expect(() => buildDumpCommand(cluster, node(), 'app', OUT, 15)).toThrow(/database null/);
    expect(() => buildDumpCommand({ ...cluster, extraArgs: ['--globals-only'] }, node(), null, OUT, 15)).toThrow(/globals-only/);
    expect(() => buildDumpCommand({ ...cluster, extraArgs: ['-l', 'x'] }, node(), null, OUT, 15)).toThrow(DumpCommandError);
  });

  it('puts extraArgs first', () => {
    const cmd = buildDumpCommand({ ...cluster, extraArgs: ['--no-role-passwords'] }, node(), null, OUT, 15);
    expect(cmd.args[0]).toBe('--no-role-passwords');
    expect(cmd.args.at(-1)).toBe(`--file=${OUT}`);
  });
});

describe('conninfoDbname', () => {
  it('escapes backslashes and quotes', () => {
    expect(conninfoDbname('plain')).toBe("dbname='plain'");
    expect(conninfoDbname("a\\b'c")).toBe("dbname='a\\\\b\\'c'");
  });
});

describe('redactArgv', () => {
  it('shows the environment and argv of the run, with secrets replaced', () => {
    const cmd = buildDumpCommand(backup(), node({ passfile: '/etc/pgpass' }), 'app', OUT, 15);
    expect(redactArgv(cmd)).toEqual([
      'PGAPPNAME=pgbackops',
      'PGCONNECT_TIMEOUT=15',
      'PGDATABASE=app',
      'PGHOST=pg1.example.org',
      'PGPASSFILE=/etc/pgpass',
      'PGPORT=5432',
      'PGUSER=backup',
      'pg_dump',
      '--format=custom',
      '--compress=6',
      '--no-password',
      `--file=${OUT}`,
    ]);
    const leaky = { ...cmd, env: { ...cmd.env, PGPASSWORD: 's3cret' }, args: ["--snapshot=password='s3cret x'", 'password=s3cret'] };
    const text = redactArgv(leaky).join(' ');
    expect(text).not.toContain('s3cret');
    expect(text).toContain('PGPASSWORD=***');
  });
});
