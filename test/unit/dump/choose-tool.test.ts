import { describe, expect, it } from 'vitest';
import { chooseTool, majorFromVersionNum, type PgTool } from '../../../src/adapters/postgres/tools.js';

const t = (major: number, where = `/usr/lib/postgresql/${major}/bin`): PgTool => ({ path: `${where}/pg_dump`, major, version: `${major}.2` });

describe('chooseTool', () => {
  it('takes the lowest major that can talk to the server, the first found of it', () => {
    expect(chooseTool('pg_dump', [t(17), t(15), t(16, '/opt/pg16/bin'), t(16)], 15)).toEqual(t(15));
    expect(chooseTool('pg_dump', [t(17), t(15), t(16, '/opt/pg16/bin'), t(16)], 16)).toEqual(t(16, '/opt/pg16/bin'));
    expect(chooseTool('pg_dump', [t(17), t(15)], 9.6)).toEqual(t(15));
  });

  it('says what to install when every pg_dump is older than the server', () => {
    expect(() => chooseTool('pg_dump', [t(14), t(15)], 16)).toThrow(
      'pg_dump 15 cannot dump a PostgreSQL 16 server; install postgresql-client-16 or set spec.pgBinDirs (found: 14.2 at /usr/lib/postgresql/14/bin/pg_dump, 15.2 at /usr/lib/postgresql/15/bin/pg_dump)',
    );
    expect(() => chooseTool('pg_restore', [t(15)], 17)).toThrow(/^pg_restore 15 is too old for a PostgreSQL 17 server/);
    expect(() => chooseTool('pg_dump', [], 15, ['/usr/bin', '/usr/bin'])).toThrow('pg_dump not found (looked in: /usr/bin)');
  });
});

describe('majorFromVersionNum', () => {
  it('reads majors before and after 10', () => {
    expect(majorFromVersionNum(150018)).toBe(15);
    expect(majorFromVersionNum(100001)).toBe(10);
    expect(majorFromVersionNum(90624)).toBe(9.6);
  });
});
