// WAL retention for the archives a backup server receives (docs/operations.md, "WAL retention"), run by prune
// and maintain after the backups' own retention: the pure choice is src/core/wal/wal-retention.ts, over the
// node's kept base backups (runs of method `basebackup` that succeeded, plus those still running: a running
// backup's start segment is not recorded yet, so it keeps everything). Removing a WAL file is its own complete
// step (no catalog row points at it): a crash leaves fewer of the files chosen, and the next pass chooses again.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunStore } from '../adapters/catalog/run-store.js';
import type { Logger } from '../adapters/logger.js';
import type { ArchivedNode } from '../core/wal/archived-nodes.js';
import { selectWalToRemove } from '../core/wal/wal-retention.js';
import { walArchiveDirectory } from '../methods/basebackup/wal-archive-layout.js';

export interface WalPruneOutcome {
  node: string;
  directory: string;
  /** Files removed (in a dry run: that would be removed), oldest first. */
  removed: string[];
  keepFrom: string | null;
  note: string;
}

export async function pruneWalArchives(
  runs: RunStore, logger: Logger,
  request: { nodes: readonly ArchivedNode[]; backupRoot: string; dryRun: boolean; expiringRunIds: ReadonlySet<string> },
): Promise<WalPruneOutcome[]> {
  const out: WalPruneOutcome[] = [];
  for (const node of request.nodes) {
    const directory = walArchiveDirectory(request.backupRoot, node.name);
    const files = await readdir(directory).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    if (files === null) continue;
    // Runs this pass expires do not keep WAL, in a dry run too (they are still `succeeded` in the catalog then).
    const kept = (await runs.baseBackupsKeepingWal(node.backupServer, node.name)).filter((r) => !request.expiringRunIds.has(r.runId));
    const choice = selectWalToRemove(files, kept);
    if (!request.dryRun) {
      for (const name of choice.remove) await rm(join(directory, name), { force: true });
      if (choice.remove.length > 0) logger.info({ node: node.name, removed: choice.remove.length, keepFrom: choice.keepFrom }, 'WAL no kept base backup needs removed');
    }
    out.push({ node: node.name, directory, removed: choice.remove, keepFrom: choice.keepFrom, note: choice.note });
  }
  return out;
}
