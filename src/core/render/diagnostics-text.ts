// Diagnostics as compiler-style lines: file:line:column: error CODE: message (at /json/path).
import type { Diagnostic } from '../model.js';
import type { Style } from './style.js';

export function renderDiagnostics(diagnostics: readonly Diagnostic[], style: Style): string {
  const lines = diagnostics.map((d) => {
    const where = `${d.file}:${d.line}:${d.column}`;
    const severity = d.severity === 'error' ? style.remove('error') : style.warn('warning');
    const at = d.path ? style.dim(` (at ${d.path})`) : '';
    return `${style.bold(where)}: ${severity} ${d.code}: ${d.message}${at}`;
  });
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  lines.push(`${errors} error(s), ${warnings} warning(s)`);
  return lines.join('\n') + '\n';
}
