// libpq password file lookup: the matching rules (pure), the file checks, and end to end against a cluster
// that requires passwords over TCP.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { passfilePath, passwordFromPassfileText, readPassfilePassword } from '../../../src/adapters/postgres/passfile.js';
import { resolveCatalogConnection } from '../../../src/adapters/catalog/local-catalog.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';

describe('passwordFromPassfileText (libpq rules)', () => {
  const target = { host: 'db.example.org', port: 5432, database: 'orders', user: 'app' };

  test('first matching line wins; * matches any value of a whole field', () => {
    const text = ['other.example.org:5432:orders:app:wrong-host', 'db.example.org:5432:*:app:first', 'db.example.org:5432:orders:app:second'].join('\n');
    expect(passwordFromPassfileText(text, target)).toBe('first');
    expect(passwordFromPassfileText('*:*:*:*:anything', target)).toBe('anything');
    expect(passwordFromPassfileText('*:*:*:someone-else:x', target)).toBeUndefined();
  });

  test('* only works as a whole field, not as a pattern', () => {
    expect(passwordFromPassfileText('db.*:5432:orders:app:x', target)).toBeUndefined();
    expect(passwordFromPassfileText('*db.example.org:5432:orders:app:x', target)).toBeUndefined();
  });

  test('backslash escapes colons and backslashes in fields and in the password', () => {
    expect(passwordFromPassfileText('db.example.org:5432:orders:app:pa\\:ss\\\\word', target)).toBe('pa:ss\\word');
    expect(passwordFromPassfileText('db.example.org:5432:ord\\:ers:app:x', { ...target, database: 'ord:ers' })).toBe('x');
    // The password ends at the first unescaped colon.
    expect(passwordFromPassfileText('db.example.org:5432:orders:app:secret:trailing', target)).toBe('secret');
  });

  test('comments, blank lines, CRLF and short lines', () => {
    const text = '# a comment\r\n\r\ndb.example.org:5432:orders\r\ndb.example.org:5432:orders:app:crlf\r\n';
    expect(passwordFromPassfileText(text, target)).toBe('crlf');
    expect(passwordFromPassfileText('#db.example.org:5432:orders:app:commented', target)).toBeUndefined();
  });

  test('defaults: no host or the default socket directory is localhost, no port is 5432, no database is the user', () => {
    const text = 'localhost:5432:app:app:local';
    expect(passwordFromPassfileText(text, { user: 'app' })).toBe('local');
    expect(passwordFromPassfileText(text, { host: '/var/run/postgresql', user: 'app' })).toBe('local');
    expect(passwordFromPassfileText(text, { host: '/tmp', port: '', user: 'app' })).toBe('local');
    // Any other socket directory must be written literally.
    expect(passwordFromPassfileText(text, { host: '/srv/sockets', user: 'app' })).toBeUndefined();
    expect(passwordFromPassfileText('/srv/sockets:5432:app:app:sock', { host: '/srv/sockets', user: 'app' })).toBe('sock');
    // Ports compare as text, as libpq does.
    expect(passwordFromPassfileText('localhost:6543:app:app:p', { port: 6543, user: 'app' })).toBe('p');
    expect(passwordFromPassfileText('localhost:5432:app:app:p', { port: 6543, user: 'app' })).toBeUndefined();
  });
});

describe('password file location and checks', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pgbo-pass-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('passfile parameter, then PGPASSFILE, then ~/.pgpass', () => {
    expect(passfilePath('/given', { PGPASSFILE: '/env', HOME: '/home/u' })).toBe('/given');
    expect(passfilePath(undefined, { PGPASSFILE: '/env', HOME: '/home/u' })).toBe('/env');
    expect(passfilePath(undefined, { HOME: '/home/u' })).toBe('/home/u/.pgpass');
  });

  test('a file readable by group or others is ignored with a warning; 0600 is used; missing is silent', async () => {
    const file = path.join(dir, 'pgpass');
    await writeFile(file, '*:*:*:app:s3cret\n');
    const warnings: string[] = [];
    await chmod(file, 0o640);
    expect(await readPassfilePassword(file, { user: 'app' }, (w) => warnings.push(w))).toBeUndefined();
    expect(warnings[0]).toMatch(/has group or world access; permissions should be u=rw \(0600\) or less/);
    await chmod(file, 0o600);
    expect(await readPassfilePassword(file, { user: 'app' }, (w) => warnings.push(w))).toBe('s3cret');
    expect(await readPassfilePassword(path.join(dir, 'missing'), { user: 'app' }, (w) => warnings.push(w))).toBeUndefined();
    expect(await readPassfilePassword(dir, { user: 'app' }, (w) => warnings.push(w))).toBeUndefined();
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatch(/is not a plain file/);
  });
});

describe('catalog URL with a password file, against a cluster that requires passwords', () => {
  let cluster: TestCluster;
  let dir: string;
  const password = 'c0rrect:horse\\battery';

  beforeAll(async () => {
    cluster = await startTestCluster({ tcp: true, tcpAuth: 'scram-sha-256' });
    dir = await mkdtemp(path.join(os.tmpdir(), 'pgbo-pass-'));
    const admin = new pg.Client(cluster.adminConfig);
    await admin.connect();
    await admin.query(`create role app login password ${pg.escapeLiteral(password)}`);
    await admin.end();
  });
  afterAll(async () => {
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function whoAmI(config: pg.ClientConfig): Promise<string> {
    const client = new pg.Client(config);
    await client.connect();
    try {
      return (await client.query('select current_user as u')).rows[0].u;
    } finally {
      await client.end();
    }
  }

  test('the password comes from passfile=, PGPASSFILE or PGPASSWORD; an insecure file is refused', async () => {
    const escaped = password.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
    const file = path.join(dir, 'catalog.pgpass');
    await writeFile(file, `# catalog\n127.0.0.1:${cluster.port}:postgres:app:${escaped}\n`, { mode: 0o600 });
    const url = `postgresql://app@127.0.0.1:${cluster.port}/postgres`;
    const env = { HOME: dir };

    const viaParam = await resolveCatalogConnection({ catalogUrl: `${url}?passfile=${encodeURIComponent(file)}`, stateDir: dir, env });
    expect(await whoAmI(viaParam)).toBe('app');

    const viaEnv = await resolveCatalogConnection({ catalogUrl: url, stateDir: dir, env: { ...env, PGPASSFILE: file } });
    expect(await whoAmI(viaEnv)).toBe('app');

    const viaPassword = await resolveCatalogConnection({ catalogUrl: url, stateDir: dir, env: { ...env, PGPASSWORD: password, PGPASSFILE: '/nonexistent' } });
    expect(await whoAmI(viaPassword)).toBe('app');

    // Without any password source, the server's refusal comes through.
    const none = await resolveCatalogConnection({ catalogUrl: url, stateDir: dir, env });
    await expect(whoAmI(none)).rejects.toThrow(new RegExp(`no password supplied: .* user app .*password file ${dir}/.pgpass`));

    // A wrong password is the server's refusal.
    const wrong = await resolveCatalogConnection({ catalogUrl: url, stateDir: dir, env: { ...env, PGPASSWORD: 'wrong' } });
    await expect(whoAmI(wrong)).rejects.toThrow(/password authentication failed for user "app"/);

    await chmod(file, 0o644);
    const warnings: string[] = [];
    const logger = { warn: (m: string) => warnings.push(m), debug: () => undefined } as never;
    const insecure = await resolveCatalogConnection({ catalogUrl: url, stateDir: dir, env: { ...env, PGPASSFILE: file }, logger });
    await expect(whoAmI(insecure)).rejects.toThrow(/no password supplied/);
    expect(warnings.join('\n')).toMatch(/group or world access/);
  });

  test('a connection refused for want of a password closes its socket at once (the server would hold it until authentication_timeout)', async () => {
    const none = await resolveCatalogConnection({ catalogUrl: `postgresql://app@127.0.0.1:${cluster.port}/postgres`, stateDir: dir, env: { HOME: dir } });
    const client = new pg.Client(none);
    await expect(client.connect()).rejects.toThrow(/no password supplied/);
    // Left open, the socket would keep a finished job's process alive for the server's 60 s.
    expect(client.connection.stream.destroyed).toBe(true);
  });
});
