import { describe, expect, it } from 'vitest';
import type { DatabaseProps, GlobalsCapture, RoleDetails } from '../../../src/core/dump/globals.js';
import { renderSetTo, splitGucList } from '../../../src/core/dump/guc-value.js';
import { renderDatabaseSql } from '../../../src/core/dump/render-database-sql.js';
import { doBlock, orderRolesByMembership, renderRolesSql, splitRolesSql } from '../../../src/core/dump/render-roles-sql.js';
import { libpqEnv, processEnvFor } from '../../../src/core/dump/libpq-env.js';
import { node } from './fixtures.js';

function role(name: string, over: Partial<RoleDetails> = {}): RoleDetails {
  return {
    name,
    bootstrap: false,
    reasons: ['grantee'],
    superuser: false,
    inherit: true,
    createRole: false,
    createDb: false,
    login: true,
    replication: false,
    bypassRls: false,
    connectionLimit: -1,
    validUntil: null,
    passwordHash: null,
    comment: null,
    settings: [],
    memberOf: [],
    ...over,
  };
}

function props(over: Partial<DatabaseProps> = {}): DatabaseProps {
  return {
    name: 'app',
    owner: 'app_owner',
    encoding: 'UTF8',
    collate: 'C.UTF-8',
    ctype: 'C.UTF-8',
    localeProvider: 'libc',
    tablespace: null,
    connectionLimit: -1,
    isTemplate: false,
    allowConnections: true,
    comment: null,
    settings: [],
    roleSettings: [],
    acl: null,
    ...over,
  };
}

describe('splitGucList / renderSetTo', () => {
  it('splits stored lists the way the server writes them', () => {
    expect(splitGucList('"Sales", public')).toEqual(['Sales', 'public']);
    expect(splitGucList('"$user", public')).toEqual(['$user', 'public']);
    expect(splitGucList('"we""ird", " spaced "')).toEqual(['we"ird', ' spaced ']);
    expect(splitGucList('""')).toEqual(['']);
    expect(splitGucList('')).toEqual([]);
    expect(splitGucList('a,')).toBeNull();
    expect(splitGucList('"open')).toBeNull();
    expect(splitGucList('a b')).toBeNull();
  });

  it('renders list settings element by element and others as one literal', () => {
    expect(renderSetTo('search_path="Sales", public')).toBe(`"search_path" TO 'Sales', 'public'`);
    expect(renderSetTo('search_path=""')).toBe(`"search_path" TO ''`);
    expect(renderSetTo('work_mem=64MB')).toBe(`"work_mem" TO '64MB'`);
    expect(renderSetTo("application_name=it's=x")).toBe(`"application_name" TO 'it''s=x'`);
    expect(renderSetTo('myapp.tenant=a\\b')).toBe(`"myapp.tenant" TO  E'a\\\\b'`);
  });
});

describe('roles.sql', () => {
  const hostile = 'we"ird $pgbackops$ \\ rôle\nDROP DATABASE app; --';
  const capture: GlobalsCapture = {
    serverVersion: '15.18',
    passwordsCaptured: true,
    database: props(),
    roleDetails: [
      role('app_user_ro', { memberOf: [{ role: 'readers', admin: false }, { role: 'pg_read_all_stats', admin: false }] }),
      role('readers', { login: false, memberOf: [{ role: hostile, admin: true }] }),
      role(hostile, { login: false, comment: "the group's group" }),
      role('app_owner', {
        passwordHash: 'SCRAM-SHA-256$4096:abc$def:ghi',
        validUntil: '2031-01-01 00:00:00+00',
        connectionLimit: 5,
        createDb: true,
        settings: ['search_path="Sales", public', 'work_mem=16MB'],
      }),
      role('postgres', { bootstrap: true, superuser: true, createRole: true, createDb: true, replication: true, bypassRls: true }),
    ],
  };
  const text = renderRolesSql(capture);

  it('orders roles after the roles they are members of', () => {
    expect(orderRolesByMembership(capture.roleDetails).map((r) => r.name)).toEqual(['app_owner', hostile, 'readers', 'app_user_ro', 'postgres']);
  });

  it('writes one separable block per role, named by a JSON string line', () => {
    const blocks = splitRolesSql(text);
    expect([...blocks.keys()]).toEqual(['app_owner', hostile, 'readers', 'app_user_ro', 'postgres']);
    expect(blocks.get('app_owner')).toBe(
      [
        '-- role: "app_owner"',
        `DO $pgbackops$BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'app_owner') THEN CREATE ROLE "app_owner"; END IF; END$pgbackops$;`,
        `ALTER ROLE "app_owner" WITH NOSUPERUSER INHERIT NOCREATEROLE CREATEDB LOGIN NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 5 PASSWORD 'SCRAM-SHA-256$4096:abc$def:ghi' VALID UNTIL '2031-01-01 00:00:00+00';`,
        `ALTER ROLE "app_owner" SET "search_path" TO 'Sales', 'public';`,
        `ALTER ROLE "app_owner" SET "work_mem" TO '16MB';`,
        '',
      ].join('\n'),
    );
    expect(blocks.get('app_user_ro')).toContain('GRANT "readers" TO "app_user_ro";\nGRANT "pg_read_all_stats" TO "app_user_ro";');
    expect(blocks.get('postgres')).toMatch(/^-- role: "postgres" \(bootstrap superuser of the source cluster\)\n/);
  });

  it('keeps a hostile name inside quotes and comments on one line', () => {
    const block = splitRolesSql(text).get(hostile) as string;
    expect(block.split('\n')[0]).toBe(`-- role: ${JSON.stringify(hostile)}`);
    expect(block).toContain(`CREATE ROLE "we""ird $pgbackops$ \\ rôle\nDROP DATABASE app; --"`);
    expect(block).toContain('$pgbackops1$');
    expect(block).toContain(`COMMENT ON ROLE "we""ird $pgbackops$ \\ rôle\nDROP DATABASE app; --" IS 'the group''s group';`);
    expect(splitRolesSql(text).get('readers')).toContain(`GRANT "we""ird $pgbackops$ \\ rôle\nDROP DATABASE app; --" TO "readers" WITH ADMIN OPTION;`);
  });

  it('uses the PostgreSQL 16 membership options when the source has them', () => {
    const sixteen = renderRolesSql({ ...capture, roleDetails: [role('m', { memberOf: [{ role: 'g', admin: false, inherit: false, set: true }] })] });
    expect(sixteen).toContain('GRANT "g" TO "m" WITH ADMIN FALSE, INHERIT FALSE, SET TRUE;');
  });

  it('says so when passwords could not be read', () => {
    expect(renderRolesSql({ ...capture, passwordsCaptured: false })).toContain('Passwords were not captured');
  });

  it('picks a dollar-quote tag absent from the body', () => {
    expect(doBlock('SELECT 1')).toBe('DO $pgbackops$SELECT 1$pgbackops$;');
    expect(doBlock('$pgbackops$ $pgbackops1$')).toBe('DO $pgbackops2$$pgbackops$ $pgbackops1$$pgbackops2$;');
  });
});

describe('database.sql', () => {
  it('creates the database from template0 with its locale, owner and limit, under any target name', () => {
    const sql = renderDatabaseSql(props({ connectionLimit: 20, tablespace: 'fast ssd' }), 'app "restored"');
    expect(sql).toContain(
      `CREATE DATABASE "app ""restored""" WITH TEMPLATE = template0 OWNER = "app_owner" ENCODING = 'UTF8' LOCALE_PROVIDER = libc LC_COLLATE = 'C.UTF-8' LC_CTYPE = 'C.UTF-8' TABLESPACE = "fast ssd" CONNECTION LIMIT = 20;`,
    );
    expect(sql).toContain('-- Re-creates database "app \\"restored\\"" (source name "app")');
  });

  it('spells out ICU and builtin locales, and leaves the provider out for old sources', () => {
    const icu = renderDatabaseSql(props({ localeProvider: 'icu', icuLocale: 'und-u-ks-level2', icuRules: '&a < b' }), 'app');
    expect(icu).toContain(`LOCALE_PROVIDER = icu LC_COLLATE = 'C.UTF-8' LC_CTYPE = 'C.UTF-8' ICU_LOCALE = 'und-u-ks-level2' ICU_RULES = '&a < b'`);
    const builtin = renderDatabaseSql(props({ localeProvider: 'builtin', builtinLocale: 'C.UTF-8' }), 'app');
    expect(builtin).toContain(`LOCALE_PROVIDER = builtin LC_COLLATE = 'C.UTF-8' LC_CTYPE = 'C.UTF-8' BUILTIN_LOCALE = 'C.UTF-8'`);
    const old = props();
    delete old.localeProvider;
    expect(renderDatabaseSql(old, 'app')).not.toContain('LOCALE_PROVIDER');
  });

  it('adds the comment, settings and per-role settings', () => {
    const sql = renderDatabaseSql(
      props({
        comment: "Sales' data",
        settings: ['work_mem=64MB', 'search_path="Sales", public'],
        roleSettings: [{ role: 'app_user', settings: ['statement_timeout=5min'] }],
      }),
      'copy',
    );
    expect(sql).toContain(`COMMENT ON DATABASE "copy" IS 'Sales'' data';`);
    expect(sql).toContain(`ALTER DATABASE "copy" SET "work_mem" TO '64MB';`);
    expect(sql).toContain(`ALTER DATABASE "copy" SET "search_path" TO 'Sales', 'public';`);
    expect(sql).toContain(`ALTER ROLE "app_user" IN DATABASE "copy" SET "statement_timeout" TO '5min';`);
  });

  it('leaves a null ACL alone: it is the default, not "no privileges"', () => {
    const sql = renderDatabaseSql(props({ acl: null }), 'app');
    expect(sql).not.toMatch(/^(GRANT|REVOKE)/m);
  });

  it('rebuilds an explicit ACL item by item, in order, with grant options and foreign grantors', () => {
    const sql = renderDatabaseSql(
      props({
        acl: [
          { grantee: 'app_owner', grantor: 'app_owner', privileges: ['CREATE', 'CONNECT', 'TEMPORARY'], grantable: [] },
          { grantee: 'app_user', grantor: 'app_owner', privileges: ['CONNECT', 'TEMPORARY'], grantable: ['CONNECT'] },
          { grantee: 'app_user_ro', grantor: 'app_user', privileges: ['CONNECT'], grantable: [] },
          { grantee: null, grantor: 'app_owner', privileges: ['CONNECT'], grantable: [] },
        ],
      }),
      'app',
    );
    const statements = sql.split('\n').filter((l) => /^(GRANT|REVOKE|SET ROLE|RESET ROLE)/.test(l));
    expect(statements).toEqual([
      'REVOKE ALL ON DATABASE "app" FROM PUBLIC;',
      'REVOKE ALL ON DATABASE "app" FROM "app_owner";',
      'GRANT CREATE, CONNECT, TEMPORARY ON DATABASE "app" TO "app_owner";',
      'GRANT TEMPORARY ON DATABASE "app" TO "app_user";',
      'GRANT CONNECT ON DATABASE "app" TO "app_user" WITH GRANT OPTION;',
      'GRANT CONNECT ON DATABASE "app" TO PUBLIC;',
      'SET ROLE "app_user";',
      'GRANT CONNECT ON DATABASE "app" TO "app_user_ro";',
      'RESET ROLE;',
    ]);
  });

  it('revokes everything for an empty ACL, and marks templates last', () => {
    const sql = renderDatabaseSql(props({ acl: [], isTemplate: true }), 'app');
    expect(sql.trimEnd().split('\n').slice(-3)).toEqual([
      'REVOKE ALL ON DATABASE "app" FROM PUBLIC;',
      'REVOKE ALL ON DATABASE "app" FROM "app_owner";',
      'ALTER DATABASE "app" IS_TEMPLATE true;',
    ]);
  });
});

describe('libpq environment', () => {
  it('drops the parent libpq variables, keeps the rest, and asks for English messages', () => {
    const env = processEnvFor(libpqEnv(node(), 'app'), {
      PATH: '/usr/bin',
      HOME: '/root',
      PGPASSWORD: 'leak',
      PGOPTIONS: '-c statement_timeout=1',
      PGSSLMODE: 'disable',
      PGSERVICEFILE: '/etc/pg_service.conf',
      LC_ALL: 'de_DE.UTF-8',
      LANGUAGE: 'de',
      UNSET: undefined,
    });
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/root',
      PGSERVICEFILE: '/etc/pg_service.conf',
      LANG: 'de_DE.UTF-8',
      LANGUAGE: 'de',
      LC_MESSAGES: 'C',
      ...libpqEnv(node(), 'app'),
    });
  });
});
