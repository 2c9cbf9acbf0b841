// Where a definition's backups live on disk: <backupRoot>/<node>/<definition>/<db-NAME|_cluster>/<timestamp>/,
// temporary directories beside them while a run is in progress.
import { readdir } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { BackupServerSpec } from '../core/model.js';
import { runDirectoryName } from '../core/runs/run-record.js';

export const TEMP_PREFIX = '.tmp-';

/** What places a definition's backups: a run request is one; so is what maintain knows of a definition. */
export interface DefinitionPlace {
  stateDir: string;
  serverSpec: Pick<BackupServerSpec, 'backupRoot'>;
  definition: { name: string; node: { name: string } };
}

export function definitionRoot(place: DefinitionPlace): string {
  const root = place.serverSpec.backupRoot;
  const backupRoot = isAbsolute(root) ? root : resolve(place.stateDir, root);
  return join(backupRoot, place.definition.node.name, place.definition.name);
}

/** `_cluster` cannot collide with a database directory: database directories are prefixed `db-`. */
export function databaseDirName(database: string | null): string {
  return database === null ? '_cluster' : `db-${encodeURIComponent(database)}`;
}

/** The timestamped directory for a run; a second run in the same second gets a suffix. */
export async function finalDirectory(parent: string, startedAt: Date): Promise<string> {
  const base = runDirectoryName(startedAt);
  const existing = new Set(await readdir(parent));
  let name = base;
  for (let i = 2; existing.has(name); i++) name = `${base}-${i}`;
  return join(parent, name);
}

/** The temporary directories of runs under a definition's root, with the run id each is named after. */
export async function temporaryDirectories(root: string): Promise<Array<{ path: string; runId: string }>> {
  let databases: string[];
  try {
    databases = await readdir(root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const found: Array<{ path: string; runId: string }> = [];
  for (const db of databases) {
    const entries = await readdir(join(root, db)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return [] as string[];
      throw err;
    });
    for (const e of entries) if (e.startsWith(TEMP_PREFIX)) found.push({ path: join(root, db, e), runId: e.slice(TEMP_PREFIX.length) });
  }
  return found;
}
