import { describe, expect, it } from 'vitest';
import { mapCrontab, type CrontabSource } from '../../../src/core/import/crontab-map.js';
import { parseDumpArgs, compressionOf } from '../../../src/core/import/dump-argv.js';
import { parseShell } from '../../../src/core/import/sh-words.js';

const OPTIONS = { serverName: 'backup01', serverHost: 'backup01.example.org', backupRoot: '/srv/pgbackops', timezone: 'Europe/Oslo' };

function crontab(text: string, kind: CrontabSource['kind'] = 'crontab'): ReturnType<typeof mapCrontab> {
  return mapCrontab({ text, kind, label: kind === 'crontab' ? 'crontab of postgres' : '/etc/cron.d/backups', owner: 'postgres' }, OPTIONS);
}

const backups = (r: ReturnType<typeof mapCrontab>) => r.documents.filter((d) => d.kind === 'Backup');
const codes = (r: ReturnType<typeof mapCrontab>) => r.findings.map((f) => `${f.code} ${f.object}`);

function args(line: string, tool: 'pg_dump' | 'pg_dumpall' = 'pg_dump') {
  const parsed = parseShell(line);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parseDumpArgs(tool, parsed.commands[0]!.words);
}

describe('parseDumpArgs', () => {
  it('reads options as getopt_long does: bundles, attached and separate values, prefixes, connection strings', () => {
    const a = args(`-Fd -j4 -h db1 --port=5433 -Uapp --schema=sales --exclude-sch tmp -t 'public.big*' -vw --lock-wait-timeout 30s -Z zstd:5 "host=db1 dbname=shop password=x"`);
    expect(a).toMatchObject({
      format: 'directory', jobs: 4, connection: { host: 'db1', port: '5433', user: 'app', dbname: 'shop', password: 'x' }, database: null,
      includeSchemas: ['sales'], excludeSchemas: ['tmp'], includeTables: ['public.big*'], extraArgs: ['--lock-wait-timeout=30s'], compress: 'zstd:5', problem: null,
    });
    expect(args('--schema-only -f out.sql mydb')).toMatchObject({ schemaOnly: true, database: { text: 'mydb' }, file: { text: 'out.sql' } });
    expect(args('-g', 'pg_dumpall').globalsOnly).toBe(true);
    expect(args('-t', 'pg_dumpall').globalsOnly).toBe(true); // pg_dumpall's -t is --tablespaces-only
    expect(args('-h').problem).toMatch(/needs a value/);
    expect(args('a b').problem).toMatch(/unexpected argument/);
    expect(args('--blobs -Fc db').extraArgs).toEqual(['--blobs']);
    expect(args('--no-owner -Fc --fi=x db').file?.text).toBe('x');
    expect(compressionOf('9')).toEqual({ method: 'gzip', level: 9 });
    expect(compressionOf('0')).toEqual({ method: 'none' });
    expect(compressionOf('lz4')).toEqual({ method: 'lz4' });
    expect(compressionOf('gzip:level=3')).toEqual({ method: 'gzip', level: 3 });
    expect(compressionOf('brotli')).toBeNull();
  });
});

describe('mapCrontab', () => {
  it('turns real pg_dump lines into definitions on nodes, and never writes a password', () => {
    const r = crontab([
      'SHELL=/bin/bash',
      'MAILTO=dba@example.org',
      'PGPASSFILE=/var/lib/postgresql/.pgpass',
      '# nightly dumps',
      `30 2 * * * PGPASSWORD='hunter2' /usr/lib/postgresql/15/bin/pg_dump -h db1.example.org -U backup -Fc -Z 9 shop > /backups/shop-$(date +\\%F).dump 2>> /var/log/pg_dump.log`,
      `45 2 * * 1-5 pg_dump -h db1.example.org -U backup --schema-only -Fc -f "/backups/shop schema.dump" shop && echo ok`,
      '0 3 * * 0 pg_dumpall -h db1.example.org -U backup | gzip -9 > /backups/all-`date +\\%u`.sql.gz',
      '@daily pg_dump "postgresql://report:secret@db2.example.org:6432/reports?sslmode=require" -Fd -j 4 -f /backups/reports',
      '15 4 * * * cd /backups; find /backups -name "*.dump" -mtime +13 -delete',
      '0 5 * * * /usr/local/bin/rotate-logs.sh',
    ].join('\n'));
    expect(backups(r).map((d) => [d.name, d.file, d.spec])).toEqual([
      ['db1-example-org-shop', 'nodes/db1-example-org.yaml', {
        node: 'db1-example-org', databases: ['shop'], type: 'full', schedule: '30 2 * * *', compression: { method: 'gzip', level: 9 }, retention: 'crontab-keep-14d',
      }],
      ['db1-example-org-shop-schema', 'nodes/db1-example-org.yaml', {
        node: 'db1-example-org', databases: ['shop'], type: 'schema', schedule: '45 2 * * 1-5', retention: 'crontab-keep-14d',
      }],
      ['db1-example-org-cluster', 'nodes/db1-example-org.yaml', {
        node: 'db1-example-org', type: 'cluster', schedule: '0 3 * * 0', compression: { method: 'gzip', level: 9 }, retention: 'crontab-default',
      }],
      ['db2-example-org-6432-reports', 'nodes/db2-example-org-6432.yaml', {
        node: 'db2-example-org-6432', databases: ['reports'], type: 'full', schedule: '@daily', format: 'directory', jobs: 4, retention: 'crontab-default',
      }],
    ]);
    const nodes = r.documents.filter((d) => d.kind === 'Node').map((d) => [d.name, d.spec]);
    expect(nodes).toEqual([
      ['db1-example-org', { host: 'db1.example.org', user: 'backup', passfile: '/var/lib/postgresql/.pgpass', backupServer: 'backup01' }],
      ['db2-example-org-6432', { host: 'db2.example.org', port: 6432, user: 'report', passfile: '/var/lib/postgresql/.pgpass', sslmode: 'require', backupServer: 'backup01' }],
    ]);
    expect(r.documents.find((d) => d.kind === 'BackupServer')?.spec).toEqual({
      host: 'backup01.example.org', backupRoot: '/srv/pgbackops', timezone: 'Europe/Oslo', scheduler: { type: 'crontab', user: 'postgres' },
    });
    expect(JSON.stringify(r.documents)).not.toMatch(/hunter2|secret/);
    expect(codes(r)).toEqual(expect.arrayContaining([
      'I_PASSWORD_NOT_IMPORTED crontab of postgres line 5',
      'I_PASSWORD_NOT_IMPORTED crontab of postgres line 8',
      'I_RETENTION_APPROXIMATED crontab of postgres line 5',
      'I_RETENTION_DEFAULTED crontab of postgres line 7',
      'I_CRON_OUTPUT_REPLACED crontab of postgres line 6',
      'I_TIMEZONE_ASSUMED crontab of postgres',
    ]));
    expect(r.findings.some((f) => f.object.endsWith('line 10'))).toBe(false); // not a backup line: left alone
    // The piped cluster dump is compressed the same way: nothing changed, nothing to report.
    expect(r.findings.some((f) => f.object.endsWith('line 7') && f.code === 'I_CRON_FORMAT_CHANGED')).toBe(false);
  });

  it('reports the lines it cannot understand, and what it does not import', () => {
    const r = crontab([
      '0 1 * * * for db in a b; do pg_dump $db > /b/$db.sql; done',
      '0 1 * * * pg_dump $DB > /b/x.sql',
      '0 1 * * * pg_dump -h "$HOST" shop',
      '0 1 * * * pg_basebackup -D /b/base -Ft -z',
      '0 1 * * * pg_dumpall --globals-only > /b/globals.sql',
      '0 1 * * * pg_dump -Fc',
      '61 1 * * * pg_dump shop',
      '@reboot pg_dump shop',
      '0 1 * * * pg_dump "shop',
      '0 1 * * * pg_dump -Ft shop > /b/shop.tar',
    ].join('\n'));
    expect(codes(r)).toEqual(expect.arrayContaining([
      'I_CRON_LINE_NOT_UNDERSTOOD crontab of postgres line 1',
      'I_CRON_LINE_NOT_UNDERSTOOD crontab of postgres line 2',
      'I_CRON_LINE_NOT_UNDERSTOOD crontab of postgres line 3',
      'I_CRON_BASEBACKUP_UNSUPPORTED crontab of postgres line 4',
      'I_CRON_GLOBALS_ONLY crontab of postgres line 5',
      'I_CRON_LINE_NOT_UNDERSTOOD crontab of postgres line 6',
      'I_CRON_LINE_NOT_UNDERSTOOD crontab of postgres line 7',
      'I_CRON_LINE_NOT_UNDERSTOOD crontab of postgres line 8',
      'I_CRON_LINE_NOT_UNDERSTOOD crontab of postgres line 9',
      'I_CRON_FORMAT_CHANGED crontab of postgres line 10',
      'I_CRON_DEFAULT_USED crontab of postgres line 10',
    ]));
    expect(backups(r).map((d) => d.name)).toEqual(['local-shop']);
    expect(r.documents.find((d) => d.kind === 'Node')?.spec).toEqual({ host: '/var/run/postgresql', user: 'postgres', backupServer: 'backup01' });
  });

  it('reads cron.d files (with a user column), gives same-named lines distinct, stable names', () => {
    const r = crontab([
      '0 1 * * * postgres pg_dump -Fc shop > /b/shop1.dump',
      '0 13 * * * postgres pg_dump -Fc shop > /b/shop2.dump',
    ].join('\n'), 'cron.d');
    expect(backups(r).map((d) => d.name)).toEqual(['local-shop-l1', 'local-shop-l2']);
    expect(r.documents.find((d) => d.kind === 'BackupServer')?.spec.scheduler).toEqual({ type: 'cron.d', file: '/etc/cron.d/pgbackops', user: 'postgres' });
    // The same input twice gives the same result.
    expect(crontab(['0 1 * * * postgres pg_dump -Fc shop > /b/shop1.dump', '0 13 * * * postgres pg_dump -Fc shop > /b/shop2.dump'].join('\n'), 'cron.d')).toEqual(r);
  });
});
