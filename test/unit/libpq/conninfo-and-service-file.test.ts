// libpq's keyword/value connection strings and its service file format, parsed as libpq parses them.
import { describe, expect, it } from 'vitest';
import { isConnectionUrl, parseConninfo } from '../../../src/core/libpq/conninfo.js';
import { serviceFromFile } from '../../../src/core/libpq/service-file.js';

describe('parseConninfo', () => {
  it('keyword=value pairs, spaces around =, quoted values with escapes', () => {
    expect(Object.fromEntries(parseConninfo("host=/tmp dbname = 'my db' user=o\\'neil password='it\\'s'  port=5433"))).toEqual({
      host: '/tmp', dbname: 'my db', user: "o'neil", password: "it's", port: '5433',
    });
    expect(Object.fromEntries(parseConninfo("service=catalog dbname=''"))).toEqual({ service: 'catalog', dbname: '' });
    expect(parseConninfo('   ').size).toBe(0);
  });

  it('errors name the keyword, never a value', () => {
    expect(() => parseConninfo('host')).toThrow('missing "=" after "host"');
    expect(() => parseConninfo("password='hunter2")).toThrow(/unterminated quoted value of "password"/);
    try {
      parseConninfo("password='hunter2");
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
    }
  });

  it('tells URLs from keyword/value strings', () => {
    expect(isConnectionUrl('postgresql://x/y')).toBe(true);
    expect(isConnectionUrl('postgres://x')).toBe(true);
    expect(isConnectionUrl('host=/tmp dbname=x')).toBe(false);
  });
});

describe('serviceFromFile', () => {
  const file = `
# comment
[other]
host=elsewhere

  [catalog]
host=/run/postgresql
port=5433
  dbname=pgbackops  
[later]
host=ignored
[catalog]
host=second-section-is-never-read
`;

  it('the first section of the name, its keywords as written (values to the end of the line)', () => {
    expect(Object.fromEntries(serviceFromFile(file, 'catalog', 'f')!)).toEqual({ host: '/run/postgresql', port: '5433', dbname: 'pgbackops' });
    expect(serviceFromFile(file, 'missing', 'f')).toBeNull();
  });

  it('refuses what libpq refuses: a line without =, a nested service', () => {
    expect(() => serviceFromFile('[a]\nhost\n', 'a', '/etc/pg_service.conf')).toThrow('syntax error in service file /etc/pg_service.conf, line 2');
    expect(() => serviceFromFile('[a]\nservice=b\n', 'a', 'f')).toThrow('nested service specifications');
    // Another section's problems are not this service's.
    expect(serviceFromFile('[b]\nnonsense\n[a]\nhost=x\n', 'a', 'f')?.get('host')).toBe('x');
  });
});
