// Watches a local configuration directory and calls onChange when a YAML file settled after a write.
// Ignores .git, dot-files and editor temporaries (swap files, backups, atomic-save temp files); a burst of
// events is one call since the trigger queue coalesces them anyway.
//
// One fs.watch (inotify) per directory, nothing per file: an event names the entry that changed, and that
// entry alone is looked at once it settled. (chokidar, used before, watched every file as well and read the
// whole directory again, with an lstat of each entry, on every event in it: a fleet's `nodes/` of 10,000
// files cost ~0.2 s of CPU per edit and 50,000 watches at 100,000 definitions.)
import { lstat } from 'node:fs/promises';
import { lstatSync, readdirSync, watch, type FSWatcher } from 'node:fs';
import { basename, join, resolve, sep } from 'node:path';

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

/**
 * Calls `onChange(path)` (absolute) for each YAML file or directory below `dir` that was added, changed or
 * removed, once no event about it arrived for `settleMs` (a save in several writes is one change, never
 * half of it: every write is an event).
 */
export function watchConfigDir(dir: string, onChange: (path: string) => void, opts: { settleMs?: number } = {}): Promise<ConfigWatcher> {
  // Absolute, so that the part below the root is well defined (`-c .` would otherwise yield bare names).
  const root = resolve(dir);
  const settleMs = opts.settleMs ?? 100;
  const watchers = new Map<string, FSWatcher>();
  const settling = new Map<string, NodeJS.Timeout>();
  let closed = false;

  // The root itself may be a dot-directory; only names below it are filtered.
  const ignored = (path: string): boolean => path !== root && isIgnoredPath(path.slice(root.length));
  const reported = (path: string): boolean => /\.ya?ml$/.test(path) || !/\.[^/\\]+$/.test(basename(path));

  /** Watches `d` and every directory below it (each once). */
  const watchTree = (d: string): void => {
    if (closed || watchers.has(d) || ignored(d)) return;
    let w: FSWatcher;
    try {
      w = watch(d, { persistent: true }, (_event, name) => noted(d, name === null ? null : String(name)));
    } catch {
      return; // removed meanwhile: its parent's event reports it
    }
    // A watched directory that is removed ends its watch with an error on some systems: forget it.
    w.on('error', () => unwatchTree(d));
    watchers.set(d, w);
    let entries: { name: string; isDirectory(): boolean }[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) watchTree(join(d, e.name));
  };

  const unwatchTree = (d: string): void => {
    for (const [path, w] of watchers) {
      if (path === d || path.startsWith(d + sep)) {
        w.close();
        watchers.delete(path);
      }
    }
  };

  const noted = (d: string, name: string | null): void => {
    if (closed || name === null) return;
    const path = join(d, name);
    if (ignored(path)) return;
    // A new directory is watched at once, so that files written into it right after are seen too.
    if (!watchers.has(path)) {
      try {
        if (lstatSync(path).isDirectory()) watchTree(path);
      } catch {
        // gone again: settled below
      }
    }
    const pending = settling.get(path);
    if (pending) clearTimeout(pending);
    settling.set(path, setTimeout(() => void settled(path), settleMs));
  };

  const settled = async (path: string): Promise<void> => {
    settling.delete(path);
    if (closed) return;
    const isDirectory = await lstat(path).then((s) => s.isDirectory(), () => null);
    if (isDirectory === null && watchers.has(path)) unwatchTree(path);
    if (closed || !reported(path)) return;
    onChange(path);
  };

  watchTree(root);
  if (!watchers.has(root)) return Promise.reject(new Error(`cannot watch ${root}: it is not a readable directory`));
  return Promise.resolve({
    close: async () => {
      closed = true;
      for (const t of settling.values()) clearTimeout(t);
      settling.clear();
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  });
}
