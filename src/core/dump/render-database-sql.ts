// database.sql: CREATE DATABASE with the source's properties, then its comment, settings, per-role settings
// and ACL, for any target name (a restore may use another one). Pure. Run after roles.sql, as a superuser,
// connected to any other database, and before pg_restore / psql load the dump into it.
import { escapeIdentifier, escapeLiteral } from 'pg';
import { DATABASE_PRIVILEGES, type DatabaseAclItem, type DatabaseProps } from './globals.js';
import { renderSetTo } from './guc-value.js';

const PROVIDERS = new Set(['libc', 'icu', 'builtin']);

export function renderDatabaseSql(props: DatabaseProps, targetName: string): string {
  const renamed = targetName === props.name ? '' : ` (source name ${JSON.stringify(props.name)})`;
  return [
    '-- pgbackops database.sql, format 1',
    `-- Re-creates database ${JSON.stringify(targetName)}${renamed} with its settings and privileges.`,
    '-- Run as a superuser after roles.sql, then load the dump into the new database.',
    '',
    renderCreateDatabase(props, targetName) + renderDatabaseProperties(props, targetName),
  ].join('\n');
}

/**
 * The CREATE DATABASE statement of database.sql alone: a restore runs it by itself, so that its success
 * proves the database is the restore's own (docs/restore.md).
 */
export function renderCreateDatabase(props: DatabaseProps, targetName: string): string {
  return `CREATE DATABASE ${escapeIdentifier(targetName)} WITH ${createOptions(props)};\n`;
}

/** The rest of database.sql: what is set on the database once it exists. */
export function renderDatabaseProperties(props: DatabaseProps, targetName: string): string {
  const db = escapeIdentifier(targetName);
  const out: string[] = [];
  if (props.comment !== null) out.push(`COMMENT ON DATABASE ${db} IS ${escapeLiteral(props.comment)};`);
  for (const setting of props.settings) out.push(`ALTER DATABASE ${db} SET ${renderSetTo(setting)};`);
  for (const { role, settings } of props.roleSettings) {
    for (const setting of settings) out.push(`ALTER ROLE ${escapeIdentifier(role)} IN DATABASE ${db} SET ${renderSetTo(setting)};`);
  }
  out.push(...aclStatements(props, db));
  // Last, because they change how the database may be used (and a database that allows no connection
  // could not have been dumped: that line exists for completeness).
  if (props.isTemplate) out.push(`ALTER DATABASE ${db} IS_TEMPLATE true;`);
  if (!props.allowConnections) out.push(`ALTER DATABASE ${db} ALLOW_CONNECTIONS false;`);
  return out.map((line) => `${line}\n`).join('');
}

function createOptions(p: DatabaseProps): string {
  const options = [
    'TEMPLATE = template0',
    `OWNER = ${escapeIdentifier(p.owner)}`,
    `ENCODING = ${escapeLiteral(p.encoding)}`,
  ];
  // The provider is always spelled out when the source knows it: left out, it would be inherited from the
  // target's template0, which may differ (an ICU template0 would then also demand an ICU locale).
  if (p.localeProvider !== undefined) {
    if (!PROVIDERS.has(p.localeProvider)) throw new Error(`unknown locale provider ${JSON.stringify(p.localeProvider)}`);
    options.push(`LOCALE_PROVIDER = ${p.localeProvider}`);
  }
  options.push(`LC_COLLATE = ${escapeLiteral(p.collate)}`, `LC_CTYPE = ${escapeLiteral(p.ctype)}`);
  if (p.icuLocale !== undefined) options.push(`ICU_LOCALE = ${escapeLiteral(p.icuLocale)}`);
  if (p.icuRules !== undefined) options.push(`ICU_RULES = ${escapeLiteral(p.icuRules)}`);
  if (p.builtinLocale !== undefined) options.push(`BUILTIN_LOCALE = ${escapeLiteral(p.builtinLocale)}`);
  if (p.tablespace !== null) options.push(`TABLESPACE = ${escapeIdentifier(p.tablespace)}`);
  options.push(`CONNECTION LIMIT = ${Math.trunc(p.connectionLimit)}`);
  return options.join(' ');
}

/**
 * Statements that leave the new database's ACL equal to the source's, item for item and in order.
 * - null (the built-in default) needs nothing: CREATE DATABASE starts with a null ACL.
 * - Otherwise both implicit holders of privileges are stripped (REVOKE ALL from PUBLIC and from the owner,
 *   which turns the ACL into an explicit empty list), then every item is granted back. GRANT appends a new
 *   grantee/grantor pair at the end of the ACL, so the order is the source's.
 * - A superuser's GRANT is recorded as given by the owner; an item given by another role (one holding the
 *   privilege WITH GRANT OPTION) is granted under SET ROLE to that role, after the owner's own items.
 */
function aclStatements(props: DatabaseProps, db: string): string[] {
  if (props.acl === null) return ['-- The database ACL is the built-in default (owner: all; PUBLIC: CONNECT, TEMPORARY).'];
  const out = [`REVOKE ALL ON DATABASE ${db} FROM PUBLIC;`, `REVOKE ALL ON DATABASE ${db} FROM ${escapeIdentifier(props.owner)};`];
  const byOwner = props.acl.filter((item) => item.grantor === props.owner);
  const byOthers = props.acl.filter((item) => item.grantor !== props.owner);
  for (const item of byOwner) out.push(...grantStatements(item, db));
  for (const item of byOthers) {
    out.push(`SET ROLE ${escapeIdentifier(item.grantor)};`, ...grantStatements(item, db), 'RESET ROLE;');
  }
  return out;
}

function grantStatements(item: DatabaseAclItem, db: string): string[] {
  for (const privilege of item.privileges) {
    if (!(DATABASE_PRIVILEGES as readonly string[]).includes(privilege)) throw new Error(`unknown database privilege ${JSON.stringify(privilege)}`);
  }
  const grantee = item.grantee === null ? 'PUBLIC' : escapeIdentifier(item.grantee);
  const plain = item.privileges.filter((p) => !item.grantable.includes(p));
  const withOption = item.privileges.filter((p) => item.grantable.includes(p));
  const out: string[] = [];
  // Privileges are listed in the server's own order so the rendered text is stable.
  const ordered = (list: string[]) => DATABASE_PRIVILEGES.filter((p) => list.includes(p)).join(', ');
  if (plain.length > 0) out.push(`GRANT ${ordered(plain)} ON DATABASE ${db} TO ${grantee};`);
  if (withOption.length > 0) out.push(`GRANT ${ordered(withOption)} ON DATABASE ${db} TO ${grantee} WITH GRANT OPTION;`);
  // An item with no privilege left (possible only in a hand-made ACL) has nothing to grant.
  return out;
}
