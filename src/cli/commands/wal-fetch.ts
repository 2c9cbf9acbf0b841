// pgbackops wal-fetch --archive-dir DIR | --node NODE [--server S]  WALFILE DESTINATION: the restore_command
// of a cluster restored from a base backup (PostgreSQL runs it with %f %p). Copies WALFILE from the node's WAL
// archive to DESTINATION, decompressing it. Exit 0 when copied; 1 when the archive does not have it (what
// PostgreSQL expects at the end of the archive); 126 for anything else (an unreadable archive), which
// PostgreSQL treats as fatal, so that a failure is never mistaken for the end of the WAL and recovery does not
// promote short. Reads nothing but the archive when --archive-dir is given: it runs for every segment.
import { isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import type { BackupServerSpec, NodeSpec } from '../../core/model.js';
import { withCatalog } from '../../runtime/catalog-session.js';
import { fetchArchived, findArchived } from '../../methods/basebackup/wal-archive.js';
import { walArchiveDirectory } from '../../methods/basebackup/wal-archive-layout.js';
import { contextOf } from '../context.js';
import { CliError } from '../output.js';

/** PostgreSQL stops recovery when restore_command exits above 125 (it treats that as a signal). */
export const WAL_FETCH_FATAL_EXIT = 126;

interface WalFetchOptions {
  archiveDir?: string;
  node?: string;
}

export function registerWalFetch(program: Command): void {
  program
    .command('wal-fetch')
    .description("restore_command of a restored base backup: copy WALFILE (%f) from the node's WAL archive to DESTINATION (%p); exit 1 when the archive does not have it, 126 on any other error")
    .argument('<walfile>', 'the WAL file PostgreSQL asks for (%f)')
    .argument('<destination>', 'where PostgreSQL wants it (%p)')
    .option('--archive-dir <dir>', 'the archive directory (<backupRoot>/<node>/_wal)')
    .option('--node <name>', "the node whose archive to read (its backup server's backupRoot, from the catalog)")
    .action(async (walFile: string, destination: string, opts: WalFetchOptions, command: Command) => {
      if ((opts.archiveDir === undefined) === (opts.node === undefined)) throw new CliError('give exactly one of --archive-dir DIR and --node NODE');
      try {
        const dir = opts.archiveDir ?? (await archiveOfNode(command, opts.node!));
        const source = await findArchived(dir, walFile);
        if (source === null) {
          process.exitCode = 1;
          return;
        }
        await fetchArchived(source, destination);
        process.exitCode = 0;
      } catch (err) {
        process.stderr.write(`pgbackops wal-fetch: ${(err as Error).message}\n`);
        process.exitCode = WAL_FETCH_FATAL_EXIT;
      }
    });
}

async function archiveOfNode(command: Command, name: string): Promise<string> {
  const ctx = contextOf(command);
  return withCatalog(ctx.settings, ctx.logger, async (catalog) => {
    const objects = (await catalog.readSnapshot()).objects;
    const node = objects.find((o) => o.kind === 'Node' && o.name === name)?.spec as NodeSpec | undefined;
    if (!node) throw new Error(`no node ${name} in the catalog`);
    const server = objects.find((o) => o.kind === 'BackupServer' && o.name === node.backupServer)?.spec as BackupServerSpec | undefined;
    if (!server) throw new Error(`the backup server ${node.backupServer} of node ${name} is not in the catalog`);
    const root = isAbsolute(server.backupRoot) ? server.backupRoot : resolve(ctx.settings.stateDir, server.backupRoot);
    return walArchiveDirectory(root, name);
  });
}
