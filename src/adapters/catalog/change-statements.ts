// Catalog changes as batched SQL: one statement per (operation, kind) group and per chunk of a few thousand
// objects (ChunkLimits), so applying 10,000 creates is a handful of statements and a one-object change costs
// the same few.
//
// Order: creates and updates follow the kinds' dependency order (Retention, Notifier, ObjectStore, BackupServer, Node, Backup), so
// whatever a row references exists first; deletes go in reverse, so referencing rows go first. The foreign
// keys (see migrations/001_initial.sql) stay the backstop for a plan that gets this wrong.
import { KINDS, type Kind } from '../../core/model.js';
import type { CatalogChange } from './catalog.js';

export const TABLE_BY_KIND: Record<Kind, string> = {
  Retention: 'pgbackops.retentions',
  Notifier: 'pgbackops.notifiers',
  ObjectStore: 'pgbackops.object_stores',
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

/**
 * How big one statement may grow. A group larger than this is split into several statements of the same
 * (operation, kind), in the group's order, so that no parameter becomes one huge JSON string (100,000
 * definitions in one parameter is ~40 MB that both this process and the server must hold at once). Every
 * statement still runs in the apply's one transaction, so splitting changes nothing about what is applied.
 */
export interface ChunkLimits {
  /** Most objects in one statement. */
  rows: number;
  /** Most characters of serialised rows in one statement's parameter (a row larger than this travels alone). */
  chars: number;
}

export const DEFAULT_CHUNK_LIMITS: ChunkLimits = { rows: 2000, chars: 4 * 1024 * 1024 };

/** Linear in the number of changes: each change is looked at once and serialised once. */
export function changeStatements(changes: CatalogChange[], limits: ChunkLimits = DEFAULT_CHUNK_LIMITS): ChangeStatement[] {
  const groups = new Map<string, CatalogChange[]>();
  const seen = new Set<string>();
  for (const change of changes) {
    const key = `${change.kind}/${change.name}`;
    if (seen.has(key)) throw new Error(`the change list names ${key} more than once`);
    seen.add(key);
    const group = `${change.op}:${change.kind}`;
    const members = groups.get(group);
    if (members) members.push(change);
    else groups.set(group, [change]);
  }

  const statements: ChangeStatement[] = [];
  for (const kind of KINDS) {
    for (const op of ['create', 'update'] as const) {
      const group = groups.get(`${op}:${kind}`);
      if (group) statements.push(...upsertStatements(op, kind, group, limits));
    }
  }
  for (const kind of [...KINDS].reverse()) {
    const group = groups.get(`delete:${kind}`);
    if (group) statements.push(...deleteStatements(kind, group, limits));
  }
  return statements;
}

function upsertStatements(op: 'create' | 'update', kind: Kind, group: CatalogChange[], limits: ChunkLimits): ChangeStatement[] {
  const table = TABLE_BY_KIND[kind];
  // Each chunk travels as one jsonb array; generated columns derive the relational ones from spec.
  const sql =
    op === 'create'
      ? `insert into ${table} (name, spec, spec_hash)
         select r.name, r.spec, r.hash from jsonb_to_recordset($1::jsonb) as r(name text, spec jsonb, hash text)`
      : `update ${table} as t set spec = r.spec, spec_hash = r.hash, updated_at = now()
         from jsonb_to_recordset($1::jsonb) as r(name text, spec jsonb, hash text)
         where t.name = r.name`;
  const statements: ChangeStatement[] = [];
  let names: string[] = [];
  let rows: string[] = [];
  let chars = 0;
  const flush = () => {
    statements.push({ op, kind, names, sql, params: [`[${rows.join(',')}]`] });
    names = [];
    rows = [];
    chars = 0;
  };
  for (const change of group) {
    if (change.op === 'delete') throw new Error('unreachable: delete in an upsert group');
    const row = JSON.stringify({ name: change.name, spec: change.spec, hash: change.hash });
    if (names.length > 0 && (names.length >= limits.rows || chars + row.length > limits.chars)) flush();
    names.push(change.name);
    rows.push(row);
    chars += row.length + 1;
  }
  if (names.length > 0) flush();
  return statements;
}

function deleteStatements(kind: Kind, group: CatalogChange[], limits: ChunkLimits): ChangeStatement[] {
  const sql = `delete from ${TABLE_BY_KIND[kind]} where name = any($1::text[])`;
  const statements: ChangeStatement[] = [];
  for (let start = 0; start < group.length; start += limits.rows) {
    const names = group.slice(start, start + limits.rows).map((change) => change.name);
    statements.push({ op: 'delete', kind, names, sql, params: [names] });
  }
  return statements;
}
