// What a database-level backup captures besides pg_dump's archive, so that it restores into an empty
// cluster: the roles the database needs and the database's own properties (pg_dump writes neither: roles
// are cluster-wide, and the CREATE DATABASE line, database settings and ACL only with --create, which ties
// the archive to the original name). Read from the system catalogs by
// src/adapters/postgres/capture-globals.ts, stored as JSON next to the dump, and rendered to SQL by
// render-roles-sql.ts and render-database-sql.ts (again at restore time, for another database name).

/** A role the database needs, as the source cluster defines it. */
export interface RoleDetails {
  name: string;
  /** The source cluster's bootstrap superuser (oid 10). A target cluster has its own, perhaps named alike. */
  bootstrap: boolean;
  /** Why the role is needed, e.g. ["owner", "grantee"]; see RoleReason. */
  reasons: RoleReason[];
  superuser: boolean;
  inherit: boolean;
  createRole: boolean;
  createDb: boolean;
  login: boolean;
  replication: boolean;
  bypassRls: boolean;
  /** -1: no limit. */
  connectionLimit: number;
  /** Text of rolvaliduntil read with TimeZone UTC and DateStyle ISO ('infinity' possible), or null. */
  validUntil: string | null;
  /** The stored hash ('SCRAM-SHA-256$...' or 'md5...'), null when the role has none or it was unreadable. */
  passwordHash: string | null;
  comment: string | null;
  /** Role-wide settings (ALTER ROLE ... SET), as stored: "name=value". */
  settings: string[];
  /** Roles this one is a direct member of (predefined pg_* roles included). */
  memberOf: RoleMembership[];
}

export type RoleReason =
  | 'database-owner'
  | 'owner' // owns an object in the database (or a default-privileges entry)
  | 'grantee' // appears in an ACL of the database or one of its objects, as grantee or grantor
  | 'policy' // named in a row-level security policy
  | 'user-mapping'
  | 'database-setting' // has ALTER ROLE ... IN DATABASE settings for this database
  | 'member'; // a needed role is (transitively) a member of it

export interface RoleMembership {
  role: string;
  admin: boolean;
  /** PostgreSQL 16+: per-grant INHERIT and SET options; absent for older sources. */
  inherit?: boolean;
  set?: boolean;
}

/** One aclitem of the database ACL: privileges `grantor` gave `grantee` (null: PUBLIC). */
export interface DatabaseAclItem {
  grantee: string | null;
  grantor: string;
  /** CONNECT, CREATE, TEMPORARY. */
  privileges: DatabasePrivilege[];
  /** The subset of privileges given WITH GRANT OPTION. */
  grantable: DatabasePrivilege[];
}

export const DATABASE_PRIVILEGES = ['CREATE', 'CONNECT', 'TEMPORARY'] as const;
export type DatabasePrivilege = (typeof DATABASE_PRIVILEGES)[number];

export interface DatabaseProps {
  /** Name in the source cluster (render under another name with renderDatabaseSql(props, target)). */
  name: string;
  owner: string;
  encoding: string;
  collate: string;
  ctype: string;
  /** Absent for sources older than PostgreSQL 15 (always libc there). */
  localeProvider?: 'libc' | 'icu' | 'builtin';
  icuLocale?: string;
  /** PostgreSQL 16+. */
  icuRules?: string;
  /** PostgreSQL 17+, provider builtin. */
  builtinLocale?: string;
  /** null: the cluster's default tablespace. */
  tablespace: string | null;
  connectionLimit: number;
  isTemplate: boolean;
  allowConnections: boolean;
  comment: string | null;
  /** ALTER DATABASE ... SET, as stored: "name=value". */
  settings: string[];
  /** ALTER ROLE ... IN DATABASE ... SET: kept with the database because they name it. */
  roleSettings: Array<{ role: string; settings: string[] }>;
  /**
   * The database ACL in order. null is not "no privileges": it means the built-in default, in which the
   * owner has every privilege and PUBLIC may CONNECT and create TEMPORARY tables; a new database starts
   * with it, so null is rendered as nothing at all (an empty list, by contrast, revokes everything).
   */
  acl: DatabaseAclItem[] | null;
}

/** Everything captured for one database. */
export interface GlobalsCapture {
  /** server_version of the source. */
  serverVersion: string;
  database: DatabaseProps;
  /** In roles.sql order: every role comes after the roles it is a member of. */
  roleDetails: RoleDetails[];
  /** False when the connecting role could not read pg_authid: roles.sql then sets no passwords. */
  passwordsCaptured: boolean;
}
