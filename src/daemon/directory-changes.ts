// The paths a watched configuration directory reported since the last pass took them: a pass started by
// file changes alone reads only these (engine/incremental-desired.ts). Past MAX_PATHS (a checkout of a
// branch, a generator rewriting the tree) a list is no cheaper than reading the whole directory.
export const MAX_PATHS = 1000;

export class DirectoryChanges {
  private paths = new Set<string>();
  private overflowed = false;

  note(path: string): void {
    if (this.overflowed) return;
    this.paths.add(path);
    if (this.paths.size > MAX_PATHS) {
      this.overflowed = true;
      this.paths.clear();
    }
  }

  /** The paths noted since the last call, or null when there were too many to list; forgets them. */
  take(): string[] | null {
    const out = this.overflowed ? null : [...this.paths];
    this.paths = new Set();
    this.overflowed = false;
    return out;
  }
}
