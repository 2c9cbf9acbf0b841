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
 * escape sequence spelt in a double-quoted key) and invisible ones (NBSP, other Unicode spaces, a BOM):
 * shown escaped, so that one diagnostic stays one line, nothing from a configuration reaches the terminal
 * as a command, and `unknown field "\u00a0host"` does not read as a stray space before "host".
 */
function visible(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]|(?! )\p{Zs}/gu, (c) => {
    const code = c.codePointAt(0)!;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
