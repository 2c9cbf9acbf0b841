// The WAL archives this machine's backup server(s) receive, from their definition caches (written at apply and
// by the daemon's converge): what `wal-receive` and the daemon's receivers run from, with the catalog down too.
import { PgbackopsError } from '../core/errors.js';
import type { BackupServerSpec } from '../core/model.js';
import type { ArchivedNode } from '../core/wal/archived-nodes.js';
import { cachedServers, readDefinitionCache } from '../runtime/definition-cache.js';

/** `wal-receive` for a node this machine does not archive (exit 1, `pgbackops: error E_WAL_NOT_ARCHIVED: ...`). */
export class WalNotArchivedError extends PgbackopsError {
  readonly code = 'E_WAL_NOT_ARCHIVED';
}

export type FoundArchive = { server: string; serverSpec: BackupServerSpec; node: ArchivedNode } | { error: string };

/** The enabled archive of `node` on `server` (else on any server applied in this state directory). */
export async function findArchivedNode(stateDir: string, node: string, server?: string): Promise<FoundArchive> {
  const servers = server ? [server] : await cachedServers(stateDir);
  for (const name of servers) {
    const cache = await readDefinitionCache(stateDir, name);
    const archived = cache?.walArchives?.find((n) => n.name === node);
    if (!cache?.serverSpec || !archived) continue;
    if (!archived.walArchive.enabled) return { error: `node ${node}'s WAL archive is disabled (walArchive.enabled: false)` };
    return { server: name, serverSpec: cache.serverSpec, node: archived };
  }
  const where = servers.length === 0 ? 'no backup server has been applied in this state directory' : `backup server(s) ${servers.join(', ')}`;
  return { error: `node ${node} has no WAL archive received by ${where}: give the Node a walArchive and apply` };
}
