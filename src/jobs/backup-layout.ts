// Where a definition's backups live on disk: <backupRoot>/<node>/<definition>/<db-NAME|_cluster>/<timestamp>/,
// temporary directories beside them while a run is in progress.
import { readdir, rm } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { runDirectoryName } from '../core/runs/run-record.js';
import type { RunnableDefinition } from '../engine/definition-cache.js';
import type { RunRequest } from './run-request.js';

export const TEMP_PREFIX = '.tmp-';

export function definitionRoot(request: RunRequest): string {
  const root = request.serverSpec.backupRoot;
  const backupRoot = isAbsolute(root) ? root : resolve(request.stateDir, root);
  return join(backupRoot, request.definition.node.name, request.definition.name);
}

/** `_cluster` cannot collide with a database directory: database directories are prefixed `db-`. */
export function databaseDirName(database: string | null): string {
  return database === null ? '_cluster' : `db-${encodeURIComponent(database)}`;
}

export function dumpFileName(def: RunnableDefinition): string {
  if (def.backup.type === 'cluster' || def.backup.format === 'plain') return 'dump.sql';
  return def.backup.format === 'directory' ? 'dump' : 'dump.pgdump';
}

/** The timestamped directory for a run; a second run in the same second gets a suffix. */
export async function finalDirectory(parent: string, startedAt: Date): Promise<string> {
  const base = runDirectoryName(startedAt);
  const existing = new Set(await readdir(parent));
  let name = base;
  for (let i = 2; existing.has(name); i++) name = `${base}-${i}`;
  return join(parent, name);
}

export async function removeTemporaryDirectories(root: string): Promise<void> {
  let databases: string[];
  try {
    databases = await readdir(root);
  } catch {
    return;
  }
  for (const db of databases) {
    const dir = join(root, db);
    const entries = await readdir(dir).catch(() => [] as string[]);
    for (const e of entries) if (e.startsWith(TEMP_PREFIX)) await rm(join(dir, e), { recursive: true, force: true });
  }
}
