// Load and validate the configuration directory. Returns diagnostics as data; never throws for bad input.
import { readConfigDir } from '../adapters/config-dir.js';
import { validateConfig } from '../core/config/validate.js';
import { finishLoad, type LoadOptions, type LoadResult } from './finish-load.js';

export { finishLoad, type LoadOptions, type LoadResult } from './finish-load.js';

export async function loadDesired(dir: string, options: LoadOptions = {}): Promise<LoadResult> {
  const read = await readConfigDir(dir);
  return finishLoad(read.diagnostics, validateConfig(read.files, { now: Date.now(), ...options }), read.files.length, options);
}
