// Creating a directory and its missing parents, reporting which ones this call created, so that the caller
// changes the owner and mode of those only (a directory that already existed is the operator's).
import { chmod, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface CreatedDirectories {
  /** Parents created on the way, outermost first. */
  parents: string[];
  /** Whether the directory itself was created by this call. */
  created: boolean;
}

/**
 * Creates `path` with `mode` and its missing parents with `parentMode` (both set exactly, whatever the
 * umask). A directory that appears meanwhile (another process) is left as it is and not reported.
 */
export async function makeDirectory(path: string, mode: number, parentMode: number): Promise<CreatedDirectories> {
  const missing: string[] = [];
  for (let dir = path; !(await exists(dir)); dir = dirname(dir)) missing.unshift(dir);
  const out: CreatedDirectories = { parents: [], created: false };
  for (const dir of missing) {
    const wanted = dir === path ? mode : parentMode;
    try {
      await mkdir(dir, { mode: wanted });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    await chmod(dir, wanted);
    if (dir === path) out.created = true;
    else out.parents.push(dir);
  }
  return out;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
