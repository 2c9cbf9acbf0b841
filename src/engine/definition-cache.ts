// The server-local copy of its definitions, written at apply: what `pgbackops run` uses when the
// catalog cannot be reached. Holds no secrets (connections use libpq passfiles/services).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../adapters/fs/atomic-write.js';
import type { BackupServerSpec, DumpSpec, NodeSpec, RetentionSpec } from '../core/model.js';
import type { ActualObject } from '../core/plan/plan-catalog.js';
import { definitionsOfServer, serverSpecOf, type ServerDefinition } from '../core/schedule/server-entries.js';

export const CACHE_FORMAT_VERSION = 1;

export interface CachedDefinition extends ServerDefinition {
  retention: RetentionSpec | null;
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
}

export function cachePath(stateDir: string, server: string): string {
  return join(stateDir, 'cache', `${server}.json`);
}

export function buildDefinitionCache(objects: readonly ActualObject[], server: string, revision: string, catalogVersion: number): DefinitionCache {
  const retentions = new Map<string, RetentionSpec>();
  for (const o of objects) if (o.kind === 'Retention') retentions.set(o.name, o.spec as RetentionSpec);
  return {
    formatVersion: CACHE_FORMAT_VERSION,
    server,
    serverSpec: serverSpecOf(objects, server) ?? null,
    revision,
    catalogVersion,
    definitions: definitionsOfServer(objects, server).map((d) => ({
      ...d,
      retention: typeof d.backup.retention === 'string' ? retentions.get(d.backup.retention) ?? null : d.backup.retention,
    })),
  };
}

export async function writeDefinitionCache(stateDir: string, cache: DefinitionCache): Promise<void> {
  await writeFileAtomic(cachePath(stateDir, cache.server), JSON.stringify(cache, null, 2) + '\n', 0o600);
}

export async function readDefinitionCache(stateDir: string, server: string): Promise<DefinitionCache | null> {
  try {
    return JSON.parse(await readFile(cachePath(stateDir, server), 'utf8')) as DefinitionCache;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
