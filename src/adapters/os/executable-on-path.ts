// Where a program is on PATH, found without starting a process (the run path pays for every program it
// starts), once per process and name.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const found = new Map<string, string | null>();

/** The first executable `name` in PATH's directories, or null. */
export function executableOnPath(name: string): string | null {
  let path = found.get(name);
  if (path === undefined) {
    path = null;
    for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
      try {
        accessSync(join(dir, name), constants.X_OK);
        path = join(dir, name);
        break;
      } catch {
        /* not here */
      }
    }
    found.set(name, path);
  }
  return path;
}
