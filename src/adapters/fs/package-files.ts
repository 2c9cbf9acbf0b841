// Files that ship beside the code (package.json, migrations/, schemas/, bin/), found from the package root.
//
// The same module runs from three depths: src/ (tests), dist/ (tsc's output, one file per module) and
// dist/bundle/ (the bundle the launcher loads, see scripts/bundle.mjs, whose chunks sit side by side). A
// fixed relative path such as '../../../migrations' is right for only one of them, so the root is found by
// walking up from this file to the package.json that names pgbackops.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'pgbackops';

let root: string | undefined;

export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME) {
      root = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the ${PACKAGE_NAME} package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** An absolute path inside the installed package, e.g. packagePath('migrations'). */
export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}
