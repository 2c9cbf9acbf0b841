// Load and validate the configuration directory. Returns diagnostics as data; never throws for bad input.
import { readConfigDir } from '../adapters/config-dir.js';
import { validateConfig, type ValidateOptions, type ValidationResult } from '../core/config/validate.js';
import type { DesiredConfig, Diagnostic } from '../core/model.js';

export interface LoadResult {
  config: DesiredConfig | null;
  diagnostics: Diagnostic[];
  fileCount: number;
}

export interface LoadOptions extends ValidateOptions {
  /** --strict: warnings are errors (the configuration is refused while it has any). */
  strict?: boolean;
}

export async function loadDesired(dir: string, options: LoadOptions = {}): Promise<LoadResult> {
  const read = await readConfigDir(dir);
  return finishLoad(read.diagnostics, validateConfig(read.files, { now: Date.now(), ...options }), read.files.length, options);
}

/** The reading's problems and the validation's as one result (also of incremental-desired.ts). */
export function finishLoad(readDiagnostics: readonly Diagnostic[], validated: ValidationResult, fileCount: number, options: LoadOptions): LoadResult {
  const found = [...readDiagnostics, ...validated.diagnostics];
  const diagnostics = options.strict ? found.map((d) => (d.severity === 'warning' ? { ...d, severity: 'error' as const } : d)) : found;
  const hasError = diagnostics.some((d) => d.severity === 'error');
  return { config: hasError ? null : validated.config, diagnostics, fileCount };
}
