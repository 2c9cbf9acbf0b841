// Numbered SQL migrations: migrations/NNN_name.sql at the package root, applied in order, each in its own
// transaction, recorded in pgbackops.schema_migrations.
//
// Safe to race: any number of processes may open a fresh catalog at once. Each first looks without locking
// (the common case: nothing to do); otherwise it takes a session advisory lock, re-reads what is applied and
// applies only what is still missing, so each migration runs exactly once.
// A catalog migrated by a newer pgbackops (a version this binary does not know) is refused: running old code
// against a newer schema could corrupt it.
import { readdir, readFile } from 'node:fs/promises';
import type pg from 'pg';
import type { Logger } from 'pino';
import { sha256Hex } from '../../core/canonical.js';
import { packagePath } from '../fs/package-files.js';
import { LockKey, PGBACKOPS_LOCK_CLASS } from './advisory-locks.js';
import { PgbackopsError } from '../../core/errors.js';

/** Runs one SQL statement (counted by the caller). */
export type Query = (sql: string, params?: unknown[]) => Promise<pg.QueryResult>;

export interface MigrationFile {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
  appliedAt: Date;
}

export class CatalogTooNewError extends PgbackopsError {
  readonly code = 'E_CATALOG_TOO_NEW';
}


const FILE_PATTERN = /^(\d+)_([a-z0-9_]+)\.sql$/;
// How long a migrator waits for another one before giving up with an error instead of hanging.
const LOCK_WAIT = '120s';

export async function readMigrationFiles(dir: string = packagePath('migrations')): Promise<MigrationFile[]> {
  const files: MigrationFile[] = [];
  for (const entry of await readdir(dir)) {
    const match = FILE_PATTERN.exec(entry);
    if (!match) continue;
    const sql = await readFile(`${dir}/${entry}`, 'utf8');
    files.push({ version: Number(match[1]), name: match[2]!, sql, checksum: sha256Hex(sql) });
  }
  files.sort((a, b) => a.version - b.version);
  for (let i = 1; i < files.length; i++) {
    if (files[i]!.version === files[i - 1]!.version) throw new Error(`two migration files share version ${files[i]!.version} in ${dir}`);
  }
  return files;
}

/** What the catalog has applied; empty for a database pgbackops never touched. */
export async function readAppliedMigrations(query: Query): Promise<AppliedMigration[]> {
  const exists = await query("select to_regclass('pgbackops.schema_migrations') is not null as present");
  if (!exists.rows[0].present) return [];
  const result = await query('select version, name, checksum, applied_at from pgbackops.schema_migrations order by version');
  return result.rows.map((row) => ({ version: Number(row.version), name: row.name, checksum: row.checksum, appliedAt: row.applied_at }));
}

/**
 * The server's version number and what the catalog has applied, in one round trip: what every process that
 * opens the catalog asks first (readAppliedMigrations takes two, and a third asked the version). `applied` is
 * null where pgbackops has no migrations table yet (a new catalog): readAppliedMigrations then says more.
 */
export async function readServerAndApplied(query: Query): Promise<{ serverVersionNum: number; applied: AppliedMigration[] | null }> {
  let result: pg.QueryResult;
  try {
    result = await query(
      `select s.n, m.version, m.name, m.checksum, m.applied_at
         from (select current_setting('server_version_num')::integer as n) s
         left join pgbackops.schema_migrations m on true
        order by m.version`,
    );
  } catch (err) {
    // 3F000: no schema pgbackops; 42P01: no table in it. Outside a transaction: the session stays usable.
    const code = (err as { code?: unknown }).code;
    if (code !== '3F000' && code !== '42P01') throw err;
    const version = await query("select current_setting('server_version_num')::integer as n");
    return { serverVersionNum: Number(version.rows[0].n), applied: null };
  }
  const rows = result.rows.filter((row) => row.version !== null);
  return {
    serverVersionNum: Number(result.rows[0].n),
    applied: rows.map((row) => ({ version: Number(row.version), name: row.name, checksum: row.checksum, appliedAt: row.applied_at })),
  };
}

/**
 * Brings the catalog schema up to date. `query` must run on one dedicated connection (the session lock is
 * tied to it). Returns the migrations applied by this call. `applied`: what the caller has just read
 * (readServerAndApplied), not read again.
 */
export async function migrate(query: Query, files: MigrationFile[], logger?: Logger, applied?: AppliedMigration[]): Promise<MigrationFile[]> {
  const before = applied ?? await readAppliedMigrations(query);
  checkCompatible(before, files, logger);
  if (pending(before, files).length === 0) return [];

  await query('select set_config($1, $2, false)', ['lock_timeout', LOCK_WAIT]);
  try {
    await query('select pg_advisory_lock($1, $2)', [PGBACKOPS_LOCK_CLASS, LockKey.migrations]);
  } finally {
    await query('reset lock_timeout');
  }
  try {
    await query('create schema if not exists pgbackops');
    await query(`create table if not exists pgbackops.schema_migrations (
      version    integer primary key,
      name       text not null,
      checksum   text not null,
      applied_at timestamptz not null default now()
    )`);
    // Re-read under the lock: another process may have applied some while we waited.
    const applied = await readAppliedMigrations(query);
    checkCompatible(applied, files, logger);
    const todo = pending(applied, files);
    for (const migration of todo) {
      logger?.info({ version: migration.version, name: migration.name }, 'applying catalog migration');
      await query('begin');
      try {
        await query(migration.sql);
        await query('insert into pgbackops.schema_migrations (version, name, checksum) values ($1, $2, $3)', [
          migration.version,
          migration.name,
          migration.checksum,
        ]);
        await query('commit');
      } catch (err) {
        await query('rollback').catch(() => undefined);
        throw new Error(`catalog migration ${migration.version}_${migration.name} failed: ${(err as Error).message}`, { cause: err });
      }
    }
    return todo;
  } finally {
    await query('select pg_advisory_unlock($1, $2)', [PGBACKOPS_LOCK_CLASS, LockKey.migrations]).catch(() => undefined);
  }
}

export function pending(applied: AppliedMigration[], files: MigrationFile[]): MigrationFile[] {
  const done = new Set(applied.map((m) => m.version));
  return files.filter((f) => !done.has(f.version));
}

function checkCompatible(applied: AppliedMigration[], files: MigrationFile[], logger?: Logger): void {
  const known = new Map(files.map((f) => [f.version, f]));
  const newest = files.at(-1)?.version ?? 0;
  const unknown = applied.filter((m) => !known.has(m.version));
  const tooNew = unknown.filter((m) => m.version > newest);
  if (tooNew.length > 0) {
    const latest = tooNew.at(-1)!;
    throw new CatalogTooNewError(
      `the catalog schema is at migration ${latest.version} (${latest.name}), newer than this pgbackops knows ` +
        `(up to ${newest}); upgrade pgbackops before using this catalog`,
    );
  }
  for (const m of unknown) {
    logger?.warn({ version: m.version, name: m.name }, 'the catalog has a migration this pgbackops has no file for');
  }
  for (const m of applied) {
    const file = known.get(m.version);
    if (file && file.checksum !== m.checksum) {
      logger?.warn({ version: m.version, name: m.name }, 'catalog migration file changed after it was applied (checksum differs)');
    }
  }
}
