// Finding a definition for `pgbackops run`: from this server's definition cache, written at apply time
// from the catalog (and refreshed by the daemon). The cache is what lets a job run while the catalog is down.
import type { BackupServerSpec } from '../core/model.js';
import { cachedServers, definitionCacheDir, readDefinitionCache, type CachedDefinition, type DefinitionCache } from '../runtime/definition-cache.js';
import { PgbackopsError } from '../core/errors.js';

export interface FoundDefinition {
  cache: DefinitionCache;
  definition: CachedDefinition;
}

export class DefinitionNotFoundError extends PgbackopsError {
  readonly code = 'E_DEFINITION_UNKNOWN';
}

export async function findCachedDefinition(stateDir: string, name: string, server?: string): Promise<FoundDefinition> {
  const servers = server ? [server] : await cachedServers(stateDir);
  const removed: string[] = [];
  for (const s of servers) {
    const cache = await readDefinitionCache(stateDir, s);
    const definition = cache?.definitions.find((d) => d.name === name);
    if (cache && definition) return { cache, definition };
    if (cache && !cache.serverSpec) removed.push(`${s} (removed from the catalog at revision ${cache.revision || 'unknown'})`);
  }
  if (removed.length > 0 && removed.length === servers.length) {
    // Its schedule line may still be in a crontab nobody converged since: say so rather than "run apply first".
    throw new DefinitionNotFoundError(`definition "${name}" is not scheduled on this server: backup server ${removed.join(', ')} has no definitions any more`);
  }
  throw new DefinitionNotFoundError(
    `definition "${name}" is not scheduled on this server: it is not in the definition cache under ${definitionCacheDir(stateDir)} (${servers.length ? `servers: ${servers.join(', ')}` : 'no server cache yet'}); if it was just added, run \`pgbackops apply\` on this server`,
  );
}

/** The servers a command acts for (--server, else every server applied here), with their cached specs. */
export async function serverSpecsOfThisMachine(stateDir: string, server?: string): Promise<Array<{ name: string; spec: BackupServerSpec }>> {
  const out: Array<{ name: string; spec: BackupServerSpec }> = [];
  for (const name of server ? [server] : await cachedServers(stateDir)) {
    // A file that is no server's cache (or not readable) names no server to act for.
    const cache = await readDefinitionCache(stateDir, name).catch(() => null);
    if (cache?.serverSpec) out.push({ name, spec: cache.serverSpec });
  }
  return out;
}
