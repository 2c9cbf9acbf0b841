// Catalog changes as batched SQL: one statement per (operation, kind) group, whatever the number of objects,
// so applying 10,000 creates is a handful of statements and a one-object change costs the same few.
//
// Order: creates and updates follow the kinds' dependency order (Retention, Notifier, BackupServer, Node, Backup), so
// whatever a row references exists first; deletes go in reverse, so referencing rows go first. The foreign
// keys (see migrations/001_initial.sql) stay the backstop for a plan that gets this wrong.
import { KINDS, type Kind } from '../../core/model.js';
import type { CatalogChange } from './catalog.js';

export const TABLE_BY_KIND: Record<Kind, string> = {
  Retention: 'pgbackops.retentions',
  Notifier: 'pgbackops.notifiers',
  BackupServer: 'pgbackops.backup_servers',
  Node: 'pgbackops.nodes',
  Backup: 'pgbackops.definitions',
  Snapshot: 'pgbackops.snapshots',
  Restore: 'pgbackops.restores',
};

export interface ChangeStatement {
  op: CatalogChange['op'];
  kind: Kind;
  names: string[];
  sql: string;
  params: unknown[];
}

export function changeStatements(changes: CatalogChange[]): ChangeStatement[] {
  const groups = new Map<string, CatalogChange[]>();
  const seen = new Set<string>();
  for (const change of changes) {
    const key = `${change.kind}/${change.name}`;
    if (seen.has(key)) throw new Error(`the change list names ${key} more than once`);
    seen.add(key);
    const group = `${change.op}:${change.kind}`;
    groups.set(group, [...(groups.get(group) ?? []), change]);
  }

  const statements: ChangeStatement[] = [];
  for (const kind of KINDS) {
    for (const op of ['create', 'update'] as const) {
      const group = groups.get(`${op}:${kind}`);
      if (group) statements.push(upsertStatement(op, kind, group));
    }
  }
  for (const kind of [...KINDS].reverse()) {
    const group = groups.get(`delete:${kind}`);
    if (group) statements.push(deleteStatement(kind, group));
  }
  return statements;
}

function upsertStatement(op: 'create' | 'update', kind: Kind, group: CatalogChange[]): ChangeStatement {
  const rows = group.map((change) => {
    if (change.op === 'delete') throw new Error('unreachable: delete in an upsert group');
    return { name: change.name, spec: change.spec, hash: change.hash };
  });
  const table = TABLE_BY_KIND[kind];
  // The whole group travels as one jsonb array; generated columns derive the relational ones from spec.
  const sql =
    op === 'create'
      ? `insert into ${table} (name, spec, spec_hash)
         select r.name, r.spec, r.hash from jsonb_to_recordset($1::jsonb) as r(name text, spec jsonb, hash text)`
      : `update ${table} as t set spec = r.spec, spec_hash = r.hash, updated_at = now()
         from jsonb_to_recordset($1::jsonb) as r(name text, spec jsonb, hash text)
         where t.name = r.name`;
  return { op, kind, names: rows.map((r) => r.name), sql, params: [JSON.stringify(rows)] };
}

function deleteStatement(kind: Kind, group: CatalogChange[]): ChangeStatement {
  const names = group.map((change) => change.name);
  return { op: 'delete', kind, names, sql: `delete from ${TABLE_BY_KIND[kind]} where name = any($1::text[])`, params: [names] };
}
