// Diagnostics as compiler-style lines: file:line:column: error CODE: message (at /json/path).
import type { Diagnostic } from '../model.js';
import type { Style } from './style.js';

export function renderDiagnostics(diagnostics: readonly Diagnostic[], style: Style): string {
  const lines = diagnostics.map((d) => {
    const where = `${visible(d.file)}:${d.line}:${d.column}`;
    const severity = d.severity === 'error' ? style.remove('error') : style.warn('warning');
    const at = d.path ? style.dim(` (at ${visible(d.path)})`) : '';
    return `${style.bold(where)}: ${severity} ${d.code}: ${visible(d.message)}${at}`;
  });
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  lines.push(`${errors} error(s), ${warnings} warning(s)`);
  return lines.join('\n') + '\n';
}

/**
 * Keys, paths and file names come from the configuration and may hold control characters (a NUL or an
 * escape sequence spelt in a double-quoted key): shown escaped, so that one diagnostic stays one line
 * and nothing from a configuration reaches the terminal as a command.
 */
function visible(text: string): string {
  return text.replace(/[\0-\x1F\x7F-\x9F\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
