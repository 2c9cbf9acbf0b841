// Entry point for scripts/gen-man.mjs (and the unit test that checks man/pgbackops.1 is current).
import { commandTree } from '../src/cli/command-tree.js';
import { buildProgram } from '../src/cli/main.js';
import { manPage } from '../src/cli/man-page.js';
import { VERSION } from '../src/runtime/version.js';

export async function renderManPage(): Promise<string> {
  return manPage(commandTree(await buildProgram()), VERSION);
}
