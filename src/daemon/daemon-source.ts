// Where the daemon's full passes read the configuration: a git repository (fetched on every full pass; the
// checkout verified against the revision the catalog was last applied from when signatures are checked;
// older checkouts pruned), or a directory, which the daemon watches for changes.
import { gitSourceOf, type ConfigSourceFlags } from '../engine/config-source.js';
import type { PassSource } from './reconcile-loop.js';
import { DirectoryChanges } from './directory-changes.js';

export interface DaemonSource {
  source: PassSource;
  /** The directory to watch, or null for a git source (a fetch tells whether it moved). */
  watchedDir: string | null;
  /** Where the watcher notes what changed in `watchedDir` (null for a git source). */
  changes: DirectoryChanges | null;
}

/** The git repository of --repo, else the directory of -c (or the settings' configuration directory). */
export async function daemonSourceOf(flags: ConfigSourceFlags, settings: { stateDir: string; configDir: string }): Promise<DaemonSource> {
  const git = await gitSourceOf(flags, settings.stateDir);
  if (git) {
    return {
      watchedDir: null,
      changes: null,
      source: {
        description: git.description,
        revision: () => git.fetchRevision(),
        checkout: async (revision, since) => {
          const c = await git.checkout(revision!, git.verifiesSignatures ? await since() : null);
          await git.pruneTrees(c.commit).catch(() => undefined);
          return c.dir;
        },
      },
    };
  }
  const dir = flags.config ?? settings.configDir;
  const changes = new DirectoryChanges();
  return {
    watchedDir: dir,
    changes,
    source: { description: `directory ${dir}`, revision: async () => null, checkout: async () => dir, takeChanges: () => changes.take() },
  };
}
