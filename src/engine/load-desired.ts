// Load and validate the configuration directory. Returns diagnostics as data; never throws for bad input.
import { readConfigDir } from '../adapters/config-dir.js';
import { validateConfig, type ValidateOptions } from '../core/config/validate.js';
import type { DesiredConfig, Diagnostic } from '../core/model.js';

export interface LoadResult {
  config: DesiredConfig | null;
  diagnostics: Diagnostic[];
  fileCount: number;
}

export async function loadDesired(dir: string, options: ValidateOptions = {}): Promise<LoadResult> {
  const read = await readConfigDir(dir);
  const validated = validateConfig(read.files, { now: Date.now(), ...options });
  const diagnostics = [...read.diagnostics, ...validated.diagnostics];
  const hasError = diagnostics.some((d) => d.severity === 'error');
  return { config: hasError ? null : validated.config, diagnostics, fileCount: read.files.length };
}
