// postgresql:// URLs to pg configs, and redaction for logs.
import { describe, expect, test } from 'vitest';
import { libpqClientConfig, parseConnectionString, redactConnection } from '../../../src/adapters/postgres/libpq-connection.js';

describe('parseConnectionString', () => {
  test('host, port, user, password, database, parameters', () => {
    expect(parseConnectionString('postgresql://alice:s%40cret@db.example.org:6543/catalog?application_name=x&sslmode=disable')).toEqual({
      host: 'db.example.org',
      port: 6543,
      user: 'alice',
      password: 's@cret',
      dbname: 'catalog',
      application_name: 'x',
      sslmode: 'disable',
    });
    expect(parseConnectionString('postgres://[::1]:5433/x')).toMatchObject({ host: '::1', port: 5433, dbname: 'x' });
  });

  test('Unix socket directories, percent-encoded as host or as ?host=', () => {
    expect(parseConnectionString('postgresql://%2Fvar%2Frun%2Fpostgresql/catalog')).toEqual({ host: '/var/run/postgresql', dbname: 'catalog' });
    expect(parseConnectionString('postgresql://app@/catalog?host=/srv/pg/run&port=5433')).toEqual({ host: '/srv/pg/run', port: 5433, user: 'app', dbname: 'catalog' });
    expect(parseConnectionString('postgresql://app@/catalog?host=%2Fsrv%2Fpg%2Frun')).toEqual({ host: '/srv/pg/run', user: 'app', dbname: 'catalog' });
    expect(parseConnectionString('postgresql://%2Fsrv%2Frun:5433/catalog')).toEqual({ host: '/srv/run', port: 5433, dbname: 'catalog' });
    expect(parseConnectionString('postgresql://:5433/catalog')).toEqual({ port: 5433, dbname: 'catalog' });
  });

  test('anything left out stays out, so PGHOST/PGPORT/PGUSER/PGDATABASE apply', () => {
    expect(parseConnectionString('postgresql://')).toEqual({});
    expect(libpqClientConfig(parseConnectionString('postgresql:///catalog'), { env: {} })).toEqual({ database: 'catalog', password: expect.any(Function) });
  });

  test('errors never echo the URL, which may hold a password', () => {
    for (const bad of ['mysql://u:hunter2@h/db', 'postgresql://u:hunter2@h:99999/db', 'postgresql://u:hunter2@h/db?sslmode=sometimes', 'postgresql://u:hunter2@h/db?frobnicate=1', 'not a url hunter2']) {
      let message = '';
      try {
        parseConnectionString(bad);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).not.toBe('');
      expect(message).not.toContain('hunter2');
    }
  });
});

describe('libpqClientConfig', () => {
  test('an explicit password is used as is; otherwise a lookup function is installed', () => {
    expect(libpqClientConfig({ host: 'h', password: 'p' }).password).toBe('p');
    expect(typeof libpqClientConfig({ host: 'h' }).password).toBe('function');
  });

  test('sslmode maps to TLS options', () => {
    expect(libpqClientConfig({ sslmode: 'disable' }, { env: {} }).ssl).toBe(false);
    expect(libpqClientConfig({ sslmode: 'prefer' }, { env: {} }).ssl).toBe(false);
    expect(libpqClientConfig({ sslmode: 'require' }, { env: {} }).ssl).toEqual({ rejectUnauthorized: false });
    expect(libpqClientConfig({ sslmode: 'verify-full' }, { env: {} }).ssl).toEqual({ rejectUnauthorized: true });
    expect(libpqClientConfig({}, { env: { PGSSLMODE: 'require' } }).ssl).toEqual({ rejectUnauthorized: false });
    expect(libpqClientConfig({}, { env: {} }).ssl).toBeUndefined();
  });
});

describe('redactConnection', () => {
  test('URLs lose their password, configs never show one', () => {
    expect(redactConnection('postgresql://alice:hunter2@db:5432/catalog?password=hunter2&sslmode=require')).toBe('postgresql://alice@db:5432/catalog?sslmode=require');
    expect(redactConnection('::not a url hunter2')).toBe('<unparseable connection string>');
    const config = { host: '/srv/run', port: 5432, user: 'postgres', database: 'pgbackops', password: 'hunter2' };
    expect(redactConnection(config)).toBe('postgresql://postgres@[/srv/run]:5432/pgbackops');
  });
});
