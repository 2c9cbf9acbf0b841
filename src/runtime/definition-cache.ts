// The server-local copy of its definitions, written at apply: what `pgbackops run` uses when the
// catalog cannot be reached. Holds no secrets (connections use libpq passfiles/services).
//
// Each server's cache is `cache/definitions/<server>.json`: a directory that holds nothing else, so no other
// state file (such as cache/tool-versions.json) is ever taken for a server, whatever the server is called.
// Versions before this layout kept it at `cache/<server>.json`; that file is still read, when it really is
// a definition cache of that server, until the next apply or converge writes the new one and removes it, so a
// server upgraded in place keeps running its jobs before anything is applied again.
import { readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../adapters/fs/atomic-write.js';
import type { BackupServerSpec, DumpSpec, NodeSpec, RetentionSpec } from '../core/model.js';
import { archivedNodesOfServer, type ArchivedNode } from '../core/wal/archived-nodes.js';
import { retentionOf, serverSpecOf, specMap, type ActualObject } from '../core/objects.js';
import { offsiteTargetsOf, resolveTargets, type ResolvedTarget } from '../core/offsite/targets.js';
import { definitionsOfServer, type ServerDefinition } from '../core/schedule/server-entries.js';
import { PgbackopsError } from '../core/errors.js';

/** Bumped whenever a reader of the old format would misread the new one. */
export const CACHE_FORMAT_VERSION = 1;

export interface CachedDefinition extends ServerDefinition {
  retention: RetentionSpec | null;
  /**
   * Where its backups are copied (docs/offsite.md), stores and retentions resolved. Absent in caches written
   * before off-site copies existed: none.
   */
  offsite?: ResolvedTarget[];
}

/**
 * What a run needs of what it dumps: the dump options, the time zone its retention reads calendars in, and
 * the retention recorded with each run. A scheduled definition is one; so is a Snapshot, which has no schedule.
 */
export interface RunnableDefinition {
  name: string;
  backup: DumpSpec & { timezone: string };
  node: NodeSpec & { name: string };
  retention: RetentionSpec | null;
}

export interface DefinitionCache {
  formatVersion: number;
  server: string;
  serverSpec: BackupServerSpec | null;
  revision: string;
  catalogVersion: number;
  definitions: CachedDefinition[];
  /**
   * Nodes whose WAL this server archives (what `wal-receive` and the daemon's receivers run from). Absent in
   * caches written before WAL archives existed: none.
   */
  walArchives?: ArchivedNode[];
}

/** A cache file this version cannot read: written by another version of pgbackops, or damaged. */
export class DefinitionCacheFormatError extends PgbackopsError {
  readonly code = 'E_CACHE_FORMAT';
}

export function definitionCacheDir(stateDir: string): string {
  return join(stateDir, 'cache', 'definitions');
}

export function cachePath(stateDir: string, server: string): string {
  return join(definitionCacheDir(stateDir), `${server}.json`);
}

/** Where versions before the cache/definitions/ directory kept a server's cache (see the top of this file). */
function legacyCachePath(stateDir: string, server: string): string {
  return join(stateDir, 'cache', `${server}.json`);
}

export function buildDefinitionCache(objects: readonly ActualObject[], server: string, revision: string, catalogVersion: number): DefinitionCache {
  const retentions = specMap(objects, 'Retention');
  const stores = specMap(objects, 'ObjectStore');
  const serverSpec = serverSpecOf(objects, server) ?? null;
  return {
    formatVersion: CACHE_FORMAT_VERSION,
    server,
    serverSpec,
    revision,
    catalogVersion,
    definitions: definitionsOfServer(objects, server).map((d) => ({
      ...d,
      retention: retentionOf(d.backup, retentions),
      offsite: resolveTargets(offsiteTargetsOf(d.backup, serverSpec), stores, retentions),
    })),
    walArchives: archivedNodesOfServer(objects, server),
  };
}

export async function writeDefinitionCache(stateDir: string, cache: DefinitionCache): Promise<void> {
  await writeFileAtomic(cachePath(stateDir, cache.server), JSON.stringify(cache, null, 2) + '\n', 0o600);
  // The old layout's copy is now out of date: remove it (only if it is this server's cache, see legacyCache).
  if ((await legacyCache(stateDir, cache.server)) !== null) {
    await unlink(legacyCachePath(stateDir, cache.server)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
}

/** This server's cache; null when none was written yet. Throws DefinitionCacheFormatError for a file it cannot read. */
export async function readDefinitionCache(stateDir: string, server: string): Promise<DefinitionCache | null> {
  const path = cachePath(stateDir, server);
  const text = await readIfExists(path);
  if (text === null) return legacyCache(stateDir, server);
  return parseDefinitionCache(text, path, server);
}

/** Backup servers applied in this state directory: those with a definition cache (in either layout), sorted. */
export async function cachedServers(stateDir: string): Promise<string[]> {
  const servers = new Set((await jsonFileNames(definitionCacheDir(stateDir))));
  // In cache/ itself only a file that is a server's cache by its content counts (not cache/tool-versions.json).
  for (const name of await jsonFileNames(join(stateDir, 'cache'))) {
    if (!servers.has(name) && (await legacyCache(stateDir, name)) !== null) servers.add(name);
  }
  return [...servers].sort();
}

/**
 * The old layout's cache of `server`, recognised by its content: a JSON object with a format version and this
 * server's name. Anything else in cache/ is another kind of file and is not this server's cache.
 */
async function legacyCache(stateDir: string, server: string): Promise<DefinitionCache | null> {
  const path = legacyCachePath(stateDir, server);
  const text = await readIfExists(path);
  if (text === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const candidate = parsed as Partial<DefinitionCache> | null;
  if (typeof candidate !== 'object' || candidate === null || candidate.server !== server || !('formatVersion' in candidate)) return null;
  return parseDefinitionCache(text, path, server);
}

/** Checks what the file says it is before anything trusts its shape. */
export function parseDefinitionCache(text: string, path: string, server: string): DefinitionCache {
  const fix = 'run `pgbackops apply` (or let the daemon converge) to write it again';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new DefinitionCacheFormatError(`the definition cache ${path} is not valid JSON (${(err as Error).message}); ${fix}`);
  }
  const cache = parsed as Partial<DefinitionCache> | null;
  if (typeof cache !== 'object' || cache === null || Array.isArray(cache)) {
    throw new DefinitionCacheFormatError(`the definition cache ${path} is not a JSON object; ${fix}`);
  }
  if (cache.formatVersion !== CACHE_FORMAT_VERSION) {
    const written = typeof cache.formatVersion === 'number' ? `format version ${cache.formatVersion}` : 'no format version';
    const by = typeof cache.formatVersion === 'number' && cache.formatVersion > CACHE_FORMAT_VERSION ? ' (written by a newer pgbackops)' : '';
    throw new DefinitionCacheFormatError(`the definition cache ${path} has ${written}${by}; this pgbackops reads format version ${CACHE_FORMAT_VERSION}: ${fix} with this version`);
  }
  if (cache.server !== server || !Array.isArray(cache.definitions)) {
    throw new DefinitionCacheFormatError(`the definition cache ${path} is not the cache of backup server ${server} (server ${JSON.stringify(cache.server)}, ${Array.isArray(cache.definitions) ? 'with' : 'without'} a definitions list); ${fix}`);
  }
  return cache as DefinitionCache;
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function jsonFileNames(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isFile() && e.name.endsWith('.json') && !e.name.startsWith('.'))
      .map((e) => e.name.slice(0, -'.json'.length));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
