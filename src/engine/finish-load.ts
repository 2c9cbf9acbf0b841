// A configuration load's result from the reading's problems and the validation's (load-desired.ts, the
// daemon's incremental-desired.ts, the CLI's config-load-cache.ts). Its own module, without the validation:
// a load whose result comes from the cache loads neither the parser nor the schemas' validators.
import type { ValidateOptions, ValidationResult } from '../core/config/validate.js';
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

/** The reading's problems and the validation's as one result. */
export function finishLoad(readDiagnostics: readonly Diagnostic[], validated: ValidationResult, fileCount: number, options: LoadOptions): LoadResult {
  const found = [...readDiagnostics, ...validated.diagnostics];
  const diagnostics = options.strict ? found.map((d) => (d.severity === 'warning' ? { ...d, severity: 'error' as const } : d)) : found;
  const hasError = diagnostics.some((d) => d.severity === 'error');
  return { config: hasError ? null : validated.config, diagnostics, fileCount };
}
