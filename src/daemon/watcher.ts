// Watches a local configuration directory and calls onChange when a YAML file settled after a write.
// Ignores .git, dot-files and editor temporaries (swap files, backups, atomic-save temp files); a burst of
// events is one call since the trigger queue coalesces them anyway.
import { watch, type FSWatcher } from 'chokidar';
import { basename, resolve } from 'node:path';

/** Editor and VCS leftovers that are never configuration. */
export function isIgnoredPath(path: string): boolean {
  const segments = path.split(/[\\/]/);
  if (segments.some((s) => s === '.git' || s === 'node_modules')) return true;
  const name = basename(path);
  return (
    name.startsWith('.') || // .swp, .#emacs-lock, .git, dot-files the loader skips too
    name.endsWith('~') || // emacs/vim backups
    /\.(swp|swx|swo|tmp|bak|orig|rej)$/i.test(name) ||
    /^#.*#$/.test(name) || // emacs autosave
    /^\d+$/.test(name) // vim's write test file "4913"
  );
}

export interface ConfigWatcher {
  close(): Promise<void>;
}

export function watchConfigDir(dir: string, onChange: (path: string) => void, opts: { settleMs?: number } = {}): Promise<ConfigWatcher> {
  // Absolute, so that the part below the root is well defined (`-c .` would otherwise yield bare names).
  const root = resolve(dir);
  const watcher: FSWatcher = watch(root, {
    ignoreInitial: true,
    // The root itself may be a dot-directory; only names below it are filtered.
    ignored: (path: string) => path !== root && isIgnoredPath(path.slice(root.length)),
    // A change counts once the file stopped growing, so a pass never reads half a save.
    awaitWriteFinish: { stabilityThreshold: opts.settleMs ?? 100, pollInterval: 25 },
  });
  const fire = (path: string): void => {
    if (/\.ya?ml$/.test(path) || !/\.[^/\\]+$/.test(basename(path))) onChange(path);
  };
  watcher.on('add', fire).on('change', fire).on('unlink', fire).on('addDir', fire).on('unlinkDir', fire);
  return new Promise((resolve, reject) => {
    watcher.once('ready', () => resolve({ close: () => watcher.close() }));
    watcher.once('error', reject);
  });
}
