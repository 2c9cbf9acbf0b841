// The connection service file format (pg_service.conf, ~/.pg_service.conf): INI-like sections named after
// services, holding libpq keyword=value lines. Pure; the adapter (adapters/postgres/service-file.ts) finds
// and reads the files. Follows libpq's parseServiceFile: leading and trailing whitespace of a line is
// ignored, `#` starts a comment line, the first section of the name wins, a value runs to the end of the
// line (no quoting), and a `service` keyword inside a service is refused.
import { PgbackopsError } from '../errors.js';

export class ServiceFileError extends PgbackopsError {
  readonly code = 'E_SERVICE_FILE';
}

/** The keywords of service `name` in the text of one file, or null when the file has no such section. */
export function serviceFromFile(text: string, name: string, file: string): Map<string, string> | null {
  let inService = false;
  let found: Map<string, string> | null = null;
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      if (found) return found; // the next section after ours: done, as libpq stops here
      inService = line.slice(1, line.indexOf(']') === -1 ? undefined : line.indexOf(']')) === name;
      if (inService) found = new Map();
      continue;
    }
    if (!inService) continue;
    const eq = line.indexOf('=');
    if (eq === -1) throw new ServiceFileError(`syntax error in service file ${file}, line ${n + 1}: expected keyword=value`);
    const keyword = line.slice(0, eq);
    if (keyword === 'service') throw new ServiceFileError(`nested service specifications are not supported in service file ${file}, line ${n + 1}`);
    found!.set(keyword, line.slice(eq + 1));
  }
  return found;
}
