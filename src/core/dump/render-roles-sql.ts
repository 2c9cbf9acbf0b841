// roles.sql: the roles a database needs, as SQL that re-creates them in another cluster. Pure.
//
// Format (version 1). The file starts with a header of `--` comment lines, then holds one block per role:
//
//   -- role: "app_user_ro"                                    <- the name as a JSON string (one line, always)
//   DO $pgbackops$BEGIN IF NOT EXISTS (...) THEN CREATE ROLE "app_user_ro"; END IF; END$pgbackops$;
//   ALTER ROLE "app_user_ro" WITH NOSUPERUSER INHERIT ... LOGIN ... PASSWORD 'SCRAM-SHA-256$...';
//   COMMENT ON ROLE "app_user_ro" IS '...';                   <- when it has one
//   ALTER ROLE "app_user_ro" SET "search_path" TO 'Sales', 'public';   <- role-wide settings
//   GRANT "readers" TO "app_user_ro";                         <- its memberships (WITH ADMIN OPTION etc.)
//
// A block runs from its `-- role:` line to the next one (or the end of the file); nothing else in the file
// is SQL. Blocks come in dependency order: a role's block follows the blocks of the roles it is a member of
// (predefined pg_* roles exist everywhere and have no block). So a restore can run the whole file, or cut
// out the blocks of the roles it decides to create, as long as it keeps every role a kept role is a member
// of (RoleDetails.memberOf says which).
// - CREATE is guarded: a role that already exists (the target's bootstrap superuser, a shared role) is
//   altered, not an error. The source's bootstrap superuser is emitted like any role and marked in its
//   `-- role:` line, because the target's may have another name.
// - ALTER ROLE ... IN DATABASE settings are not here: they name the database, which does not exist yet
//   when roles.sql runs and may be restored under another name; database.sql holds them.
// - The file can hold password hashes: it is written 0600.
// Every name and value is quoted with pg's escapeIdentifier / escapeLiteral; comment lines carry names only
// as JSON strings, so a name with a newline cannot end a comment and start a statement.
import { escapeIdentifier, escapeLiteral } from 'pg';
import type { GlobalsCapture, RoleDetails, RoleMembership } from './globals.js';
import { renderSetTo } from './guc-value.js';

export const ROLES_SQL_FORMAT = 1;
export const ROLE_BLOCK_PREFIX = '-- role: ';

export function renderRolesSql(capture: GlobalsCapture): string {
  const out: string[] = [
    `-- pgbackops roles.sql, format ${ROLES_SQL_FORMAT}`,
    `-- Roles needed by database ${JSON.stringify(capture.database.name)} (PostgreSQL ${capture.serverVersion}).`,
    '-- One block per role, each starting with a "-- role: <JSON name>" line, each role after the roles it is a',
    '-- member of. Run as a superuser before database.sql.',
  ];
  if (!capture.passwordsCaptured) {
    out.push('-- Passwords were not captured (the connecting role cannot read pg_authid): set them after restoring.');
  }
  for (const role of orderRolesByMembership(capture.roleDetails)) {
    out.push('', ...renderRoleBlock(role));
  }
  return `${out.join('\n')}\n`;
}

export function renderRoleBlock(role: RoleDetails): string[] {
  const id = escapeIdentifier(role.name);
  const marker = role.bootstrap ? ' (bootstrap superuser of the source cluster)' : '';
  const lines = [
    `${ROLE_BLOCK_PREFIX}${JSON.stringify(role.name)}${marker}`,
    doBlock(
      `BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = ${escapeLiteral(role.name)}) THEN CREATE ROLE ${id}; END IF; END`,
    ),
    `ALTER ROLE ${id} WITH ${roleAttributes(role)};`,
  ];
  if (role.comment !== null) lines.push(`COMMENT ON ROLE ${id} IS ${escapeLiteral(role.comment)};`);
  for (const setting of role.settings) lines.push(`ALTER ROLE ${id} SET ${renderSetTo(setting)};`);
  for (const membership of role.memberOf) lines.push(`GRANT ${escapeIdentifier(membership.role)} TO ${id}${membershipOptions(membership)};`);
  return lines;
}

function roleAttributes(role: RoleDetails): string {
  const flag = (on: boolean, name: string) => (on ? name : `NO${name}`);
  const parts = [
    flag(role.superuser, 'SUPERUSER'),
    flag(role.inherit, 'INHERIT'),
    flag(role.createRole, 'CREATEROLE'),
    flag(role.createDb, 'CREATEDB'),
    flag(role.login, 'LOGIN'),
    flag(role.replication, 'REPLICATION'),
    flag(role.bypassRls, 'BYPASSRLS'),
    `CONNECTION LIMIT ${Math.trunc(role.connectionLimit)}`,
  ];
  if (role.passwordHash !== null) parts.push(`PASSWORD ${escapeLiteral(role.passwordHash)}`);
  if (role.validUntil !== null) parts.push(`VALID UNTIL ${escapeLiteral(role.validUntil)}`);
  return parts.join(' ');
}

function membershipOptions(m: RoleMembership): string {
  // Sources from PostgreSQL 16 record INHERIT and SET per grant: spell all three out (16+ syntax). Older
  // sources only have the admin option, in the syntax every version reads.
  if (m.inherit !== undefined || m.set !== undefined) {
    const options = [`ADMIN ${m.admin ? 'TRUE' : 'FALSE'}`];
    if (m.inherit !== undefined) options.push(`INHERIT ${m.inherit ? 'TRUE' : 'FALSE'}`);
    if (m.set !== undefined) options.push(`SET ${m.set ? 'TRUE' : 'FALSE'}`);
    return ` WITH ${options.join(', ')}`;
  }
  return m.admin ? ' WITH ADMIN OPTION' : '';
}

/** A DO statement whose dollar-quote tag does not occur in the body (a role may be named "$pgbackops$"). */
export function doBlock(body: string): string {
  let tag = '$pgbackops$';
  for (let n = 1; body.includes(tag); n++) tag = `$pgbackops${n}$`;
  return `DO ${tag}${body}${tag};`;
}

/**
 * Roles sorted so that each comes after every role it is a member of (among `roles`), otherwise by name.
 * Membership cannot be circular in PostgreSQL; should the data say otherwise, the rest keep name order.
 */
export function orderRolesByMembership(roles: readonly RoleDetails[]): RoleDetails[] {
  const byName = new Map(roles.map((r) => [r.name, r]));
  const sorted: RoleDetails[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (role: RoleDetails): void => {
    if (state.has(role.name)) return;
    state.set(role.name, 'visiting');
    for (const m of [...role.memberOf].sort((a, b) => compare(a.role, b.role))) {
      const group = byName.get(m.role);
      if (group) visit(group);
    }
    state.set(role.name, 'done');
    sorted.push(role);
  };
  for (const role of [...roles].sort((a, b) => compare(a.name, b.name))) visit(role);
  return sorted;
}

/** Code-point order: stable whatever the machine's locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The blocks of a roles.sql file by role name (the inverse of the format above). */
export function splitRolesSql(text: string): Map<string, string> {
  const blocks = new Map<string, string>();
  let current: { name: string; lines: string[] } | null = null;
  const flush = () => {
    if (current) blocks.set(current.name, `${current.lines.join('\n').trimEnd()}\n`);
  };
  for (const line of text.split('\n')) {
    if (line.startsWith(ROLE_BLOCK_PREFIX)) {
      flush();
      const json = /^"(?:[^"\\]|\\.)*"/.exec(line.slice(ROLE_BLOCK_PREFIX.length));
      if (!json) throw new Error(`malformed role block line: ${JSON.stringify(line)}`);
      current = { name: JSON.parse(json[0]) as string, lines: [line] };
    } else if (current) {
      current.lines.push(line);
    }
  }
  flush();
  return blocks;
}
