// Finding a definition for `pgbackops run`: from this server's definition cache, written at apply time
// from the catalog (and refreshed by the daemon). The cache is what lets a job run while the catalog is down.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackupServerSpec } from '../core/model.js';
import { readDefinitionCache, type CachedDefinition, type DefinitionCache } from '../engine/definition-cache.js';

export interface FoundDefinition {
  cache: DefinitionCache;
  definition: CachedDefinition;
}

export class DefinitionNotFoundError extends Error {
  readonly code = 'E_DEFINITION_UNKNOWN';
}

export async function findCachedDefinition(stateDir: string, name: string, server?: string): Promise<FoundDefinition> {
  const servers = server ? [server] : await serversOfThisMachine(stateDir);
  for (const s of servers) {
    const cache = await readDefinitionCache(stateDir, s);
    const definition = cache?.definitions.find((d) => d.name === name);
    if (cache && definition) return { cache, definition };
  }
  throw new DefinitionNotFoundError(
    `no definition "${name}" in the definition cache under ${stateDir}/cache (${servers.length ? `servers: ${servers.join(', ')}` : 'no server cache yet'}); run \`pgbackops apply\` on this server first`,
  );
}

/** Backup servers applied in this state directory (each has a definition cache). */
export async function serversOfThisMachine(stateDir: string): Promise<string[]> {
  try {
    return (await readdir(join(stateDir, 'cache'))).filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -'.json'.length)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** The servers a command acts for (--server, else every server applied here), with their cached specs. */
export async function serverSpecsOfThisMachine(stateDir: string, server?: string): Promise<Array<{ name: string; spec: BackupServerSpec }>> {
  const out: Array<{ name: string; spec: BackupServerSpec }> = [];
  for (const name of server ? [server] : await serversOfThisMachine(stateDir)) {
    // A file that is no server's cache (or not readable) names no server to act for.
    const cache = await readDefinitionCache(stateDir, name).catch(() => null);
    if (cache?.serverSpec) out.push({ name, spec: cache.serverSpec });
  }
  return out;
}
