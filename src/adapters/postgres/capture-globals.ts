// Reads what a database-level backup needs besides pg_dump's archive (see src/core/dump/globals.ts) from
// the system catalogs of the Node: the roles the database needs and the database's own properties.
// Everything comes from catalog queries, in one read-only repeatable-read transaction, never from parsing
// dump text; the SQL files are then rendered by the pure core.
import pg from 'pg';
import type { NodeSpec } from '../../core/model.js';
import {
  DATABASE_PRIVILEGES,
  type DatabaseAclItem,
  type DatabasePrivilege,
  type DatabaseProps,
  type GlobalsCapture,
  type RoleDetails,
  type RoleMembership,
  type RoleReason,
} from '../../core/dump/globals.js';
import { orderRolesByMembership, renderRolesSql } from '../../core/dump/render-roles-sql.js';
import { renderDatabaseSql } from '../../core/dump/render-database-sql.js';
import { nodeClientConfig } from './node-connection.js';
import { endSession } from './end-session.js';
import { serverMajor } from './tools.js';

export interface CapturedGlobals extends GlobalsCapture {
  /** roles.sql (format: src/core/dump/render-roles-sql.ts). Holds password hashes: write it 0600. */
  rolesSql: string;
  /** database.sql for the original name; renderDatabaseSql(database, other) for another one. */
  databaseSql: string;
  /** Names of the roles in roles.sql, in its order. */
  roles: string[];
}

export async function captureGlobals(node: NodeSpec, database: string): Promise<CapturedGlobals> {
  return withClient(node, database, async (client) => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      // validuntil is read as text: make that text independent of the session's defaults.
      await client.query("SET LOCAL TimeZone = 'UTC'");
      await client.query("SET LOCAL DateStyle = 'ISO, YMD'");
      const { major, version } = await serverMajor(client);
      if (major < 9.5) throw new Error(`capturing roles needs PostgreSQL 9.5 or later (the server is ${version})`);
      const props = await readDatabaseProps(client);
      const passwordsCaptured = await canReadPasswords(client);
      const roleDetails = orderRolesByMembership(await readRoles(client, major, passwordsCaptured));
      await client.query('COMMIT');

      const capture: GlobalsCapture = { serverVersion: version, database: props, roleDetails, passwordsCaptured };
      return {
        ...capture,
        rolesSql: renderRolesSql(capture),
        databaseSql: renderDatabaseSql(props, props.name),
        roles: roleDetails.map((r) => r.name),
      };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
}

/** Databases of the Node a backup of `databases: all` covers: not templates, open to connections (for us). */
export async function listDatabases(node: NodeSpec): Promise<string[]> {
  return withClient(node, node.maintenanceDatabase, async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_catalog.pg_database
        WHERE datallowconn AND NOT datistemplate AND pg_catalog.has_database_privilege(oid, 'CONNECT')`,
    );
    return rows.map((r) => r.datname).sort(codePointOrder);
  });
}

async function withClient<T>(node: NodeSpec, database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(nodeClientConfig(node, database));
  await client.connect();
  try {
    return await work(client);
  } finally {
    await endSession(client);
  }
}

// ---------------------------------------------------------------------------------------------- database

interface DatabaseRow {
  d: Record<string, unknown>;
  encoding: string;
  owner: string;
  tablespace: string | null;
  comment: string | null;
  settings: string[] | null;
}

async function readDatabaseProps(client: pg.Client): Promise<DatabaseProps> {
  // to_jsonb(d) rather than named columns: the locale columns differ between versions (daticulocale in
  // 15-16, datlocale from 17, daticurules from 16, datlocprovider from 15).
  const { rows } = await client.query<DatabaseRow>(
    `SELECT pg_catalog.to_jsonb(d) AS d,
            pg_catalog.pg_encoding_to_char(d.encoding) AS encoding,
            o.rolname AS owner,
            NULLIF(t.spcname, 'pg_default') AS tablespace,
            pg_catalog.shobj_description(d.oid, 'pg_database') AS comment,
            (SELECT s.setconfig FROM pg_catalog.pg_db_role_setting s WHERE s.setdatabase = d.oid AND s.setrole = 0) AS settings
       FROM pg_catalog.pg_database d
       JOIN pg_catalog.pg_roles o ON o.oid = d.datdba
       JOIN pg_catalog.pg_tablespace t ON t.oid = d.dattablespace
      WHERE d.datname = pg_catalog.current_database()`,
  );
  const row = rows[0];
  if (!row) throw new Error('the current database is missing from pg_database');
  const d = row.d;
  const props: DatabaseProps = {
    name: String(d.datname),
    owner: row.owner,
    encoding: row.encoding,
    collate: String(d.datcollate),
    ctype: String(d.datctype),
    tablespace: row.tablespace,
    connectionLimit: Number(d.datconnlimit),
    isTemplate: d.datistemplate === true,
    allowConnections: d.datallowconn !== false,
    comment: row.comment,
    settings: row.settings ?? [],
    roleSettings: await readRoleSettingsInDatabase(client),
    acl: d.datacl === null || d.datacl === undefined ? null : await readDatabaseAcl(client),
  };
  const provider = { c: 'libc', i: 'icu', b: 'builtin' }[String(d.datlocprovider)] as DatabaseProps['localeProvider'];
  if (provider !== undefined) props.localeProvider = provider;
  const locale = (d.datlocale ?? d.daticulocale ?? null) as string | null;
  if (provider === 'icu' && locale !== null) props.icuLocale = locale;
  if (provider === 'builtin' && locale !== null) props.builtinLocale = locale;
  if (provider === 'icu' && typeof d.daticurules === 'string') props.icuRules = d.daticurules;
  return props;
}

async function readRoleSettingsInDatabase(client: pg.Client): Promise<DatabaseProps['roleSettings']> {
  const { rows } = await client.query<{ role: string; settings: string[] }>(
    `SELECT r.rolname AS role, s.setconfig AS settings
       FROM pg_catalog.pg_db_role_setting s
       JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
       JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase
      WHERE d.datname = pg_catalog.current_database()`,
  );
  return rows.sort((a, b) => codePointOrder(a.role, b.role));
}

async function readDatabaseAcl(client: pg.Client): Promise<DatabaseAclItem[]> {
  const { rows } = await client.query<{ grantee: string | null; grantor: string; privilege: string; grantable: boolean }>(
    `SELECT CASE WHEN a.grantee = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(a.grantee) END AS grantee,
            pg_catalog.pg_get_userbyid(a.grantor) AS grantor,
            a.privilege_type AS privilege,
            a.is_grantable AS grantable
       FROM pg_catalog.pg_database d,
            pg_catalog.aclexplode(d.datacl) WITH ORDINALITY AS a(grantor, grantee, privilege_type, is_grantable, ord)
      WHERE d.datname = pg_catalog.current_database()
      ORDER BY a.ord`,
  );
  // aclexplode gives one row per privilege, item after item: fold them back into items, in order.
  const items: DatabaseAclItem[] = [];
  for (const row of rows) {
    if (!(DATABASE_PRIVILEGES as readonly string[]).includes(row.privilege)) throw new Error(`unexpected database privilege ${row.privilege}`);
    const privilege = row.privilege as DatabasePrivilege;
    let item = items.find((i) => i.grantee === row.grantee && i.grantor === row.grantor);
    if (!item) {
      item = { grantee: row.grantee, grantor: row.grantor, privileges: [], grantable: [] };
      items.push(item);
    }
    item.privileges.push(privilege);
    if (row.grantable) item.grantable.push(privilege);
  }
  return items;
}

// ------------------------------------------------------------------------------------------------- roles

/** Catalogs with an owner column, and the first server major that has them. */
const OWNER_COLUMNS: ReadonlyArray<[catalog: string, column: string, since: number]> = [
  ['pg_class', 'relowner', 0],
  ['pg_proc', 'proowner', 0],
  ['pg_namespace', 'nspowner', 0],
  ['pg_type', 'typowner', 0],
  ['pg_largeobject_metadata', 'lomowner', 0],
  ['pg_collation', 'collowner', 0],
  ['pg_conversion', 'conowner', 0],
  ['pg_operator', 'oprowner', 0],
  ['pg_opclass', 'opcowner', 0],
  ['pg_opfamily', 'opfowner', 0],
  ['pg_ts_config', 'cfgowner', 0],
  ['pg_ts_dict', 'dictowner', 0],
  ['pg_extension', 'extowner', 0],
  ['pg_foreign_data_wrapper', 'fdwowner', 0],
  ['pg_foreign_server', 'srvowner', 0],
  ['pg_event_trigger', 'evtowner', 0],
  ['pg_language', 'lanowner', 0],
  ['pg_default_acl', 'defaclrole', 0],
  ['pg_publication', 'pubowner', 10],
  ['pg_statistic_ext', 'stxowner', 10],
];

/** ACL columns of the database's objects; grantees and grantors both count. */
const ACL_COLUMNS: ReadonlyArray<[catalog: string, column: string]> = [
  ['pg_class', 'relacl'],
  ['pg_attribute', 'attacl'],
  ['pg_namespace', 'nspacl'],
  ['pg_proc', 'proacl'],
  ['pg_type', 'typacl'],
  ['pg_largeobject_metadata', 'lomacl'],
  ['pg_language', 'lanacl'],
  ['pg_foreign_data_wrapper', 'fdwacl'],
  ['pg_foreign_server', 'srvacl'],
  ['pg_default_acl', 'defaclacl'],
];

function roleSetQuery(major: number): string {
  const sources: string[] = [`SELECT datdba, 'database-owner' FROM this_db`];
  for (const [catalog, column, since] of OWNER_COLUMNS) {
    // DISTINCT per catalog: thousands of tables have a handful of owners, keep the union small.
    if (major >= since) sources.push(`SELECT DISTINCT ${column}, 'owner' FROM pg_catalog.${catalog}`);
  }
  if (major >= 10) {
    // pg_subscription is shared by all databases; column privileges let everyone read these two.
    sources.push(`SELECT subowner, 'owner' FROM pg_catalog.pg_subscription WHERE subdbid = (SELECT oid FROM this_db)`);
  }
  // Most ACLs are NULL (the built-in default: the owner only): skip those rows before exploding.
  const exploded = (from: string, column: string) =>
    `SELECT DISTINCT v.roleid, 'grantee' FROM ${from}, pg_catalog.aclexplode(${column}) a, LATERAL (VALUES (a.grantee), (a.grantor)) v(roleid) WHERE ${column} IS NOT NULL`;
  sources.push(exploded('this_db', 'this_db.datacl'));
  for (const [catalog, column] of ACL_COLUMNS) sources.push(exploded(`pg_catalog.${catalog} x`, `x.${column}`));
  sources.push(
    `SELECT pg_catalog.unnest(polroles), 'policy' FROM pg_catalog.pg_policy`,
    // The view, not pg_user_mapping: the catalog is readable by superusers only (it holds options).
    `SELECT umuser, 'user-mapping' FROM pg_catalog.pg_user_mappings`,
    `SELECT setrole, 'database-setting' FROM pg_catalog.pg_db_role_setting WHERE setdatabase = (SELECT oid FROM this_db) AND setrole <> 0`,
  );
  return `
    WITH RECURSIVE
      this_db AS (SELECT oid, datdba, datacl FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()),
      direct(roleid, reason) AS (${sources.join('\n        UNION ALL ')}),
      needed AS (SELECT roleid, array_agg(DISTINCT reason) AS reasons FROM direct WHERE roleid <> 0 GROUP BY roleid),
      closure(roleid) AS (
        SELECT roleid FROM needed
        UNION
        SELECT m.roleid FROM pg_catalog.pg_auth_members m JOIN closure c ON m.member = c.roleid
      )
    SELECT c.roleid AS oid, COALESCE(n.reasons, ARRAY['member']) AS reasons
      FROM closure c LEFT JOIN needed n USING (roleid)`;
}

async function canReadPasswords(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>(`SELECT pg_catalog.has_table_privilege('pg_catalog.pg_authid', 'SELECT') AS ok`);
  return rows[0]?.ok === true;
}

interface RoleRow {
  oid: number;
  rolname: string;
  rolsuper: boolean;
  rolinherit: boolean;
  rolcreaterole: boolean;
  rolcreatedb: boolean;
  rolcanlogin: boolean;
  rolreplication: boolean;
  rolbypassrls: boolean;
  rolconnlimit: number;
  validuntil: string | null;
  password: string | null;
  comment: string | null;
  settings: string[] | null;
}

/** Oid of the bootstrap superuser (BOOTSTRAP_SUPERUSERID), whatever its name. */
const BOOTSTRAP_SUPERUSER_OID = 10;

async function readRoles(client: pg.Client, major: number, withPasswords: boolean): Promise<RoleDetails[]> {
  const needed = await client.query<{ oid: number; reasons: string[] }>(roleSetQuery(major));
  const reasons = new Map(needed.rows.map((r) => [Number(r.oid), r.reasons.sort() as RoleReason[]]));
  const oids = [...reasons.keys()];

  const password = withPasswords
    ? '(SELECT a.rolpassword FROM pg_catalog.pg_authid a WHERE a.oid = r.oid)'
    : 'NULL::text';
  const roles = await client.query<RoleRow>(
    `SELECT r.oid::int AS oid, r.rolname, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin,
            r.rolreplication, r.rolbypassrls, r.rolconnlimit, r.rolvaliduntil::text AS validuntil,
            ${password} AS password,
            pg_catalog.shobj_description(r.oid, 'pg_authid') AS comment,
            (SELECT s.setconfig FROM pg_catalog.pg_db_role_setting s WHERE s.setrole = r.oid AND s.setdatabase = 0) AS settings
       FROM pg_catalog.pg_roles r
      WHERE r.oid = ANY($1::oid[])
        AND r.rolname !~ '^pg_'`, // predefined roles exist in every cluster (and cannot be created)
    [oids],
  );

  // to_jsonb(m): inherit_option and set_option exist from PostgreSQL 16 on.
  const members = await client.query<{ m: Record<string, unknown>; role: string; member: string }>(
    `SELECT pg_catalog.to_jsonb(m) AS m, g.rolname AS role, u.rolname AS member
       FROM pg_catalog.pg_auth_members m
       JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
       JOIN pg_catalog.pg_roles u ON u.oid = m.member
      WHERE m.member = ANY($1::oid[])`,
    [oids],
  );
  const memberOf = new Map<string, RoleMembership[]>();
  for (const row of members.rows) {
    const list = memberOf.get(row.member) ?? [];
    const membership: RoleMembership = { role: row.role, admin: row.m.admin_option === true };
    if (typeof row.m.inherit_option === 'boolean') membership.inherit = row.m.inherit_option;
    if (typeof row.m.set_option === 'boolean') membership.set = row.m.set_option;
    // From 16 a membership can be granted several times by different grantors: one GRANT restores it,
    // with the most generous options of them.
    const same = list.find((m) => m.role === membership.role);
    if (same) {
      same.admin ||= membership.admin;
      if (membership.inherit !== undefined) same.inherit = (same.inherit ?? false) || membership.inherit;
      if (membership.set !== undefined) same.set = (same.set ?? false) || membership.set;
    } else {
      list.push(membership);
    }
    memberOf.set(row.member, list);
  }

  return roles.rows.map((r) => ({
    name: r.rolname,
    bootstrap: r.oid === BOOTSTRAP_SUPERUSER_OID,
    reasons: reasons.get(r.oid) ?? ['member'],
    superuser: r.rolsuper,
    inherit: r.rolinherit,
    createRole: r.rolcreaterole,
    createDb: r.rolcreatedb,
    login: r.rolcanlogin,
    replication: r.rolreplication,
    bypassRls: r.rolbypassrls,
    connectionLimit: r.rolconnlimit,
    validUntil: r.validuntil,
    passwordHash: r.password,
    comment: r.comment,
    settings: r.settings ?? [],
    memberOf: (memberOf.get(r.rolname) ?? []).sort((a, b) => codePointOrder(a.role, b.role)),
  }));
}

function codePointOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
