// Host names, IP addresses and (for PostgreSQL nodes) Unix socket directories, as libpq and os.hostname()
// understand them. Anything else is refused before it reaches a command line or a connection string.
import { ipVersion } from './ip-address.js';
import { pathProblem } from './paths.js';

const LABEL = /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/** Why a host is refused, or null when it is valid. */
export function hostProblem(host: string, options: { allowSocketDirectory: boolean }): string | null {
  if (host.startsWith('/')) {
    if (!options.allowSocketDirectory) return 'a socket directory is not a host name: give the host name of the backup server';
    const problem = pathProblem(host, { allowRelative: false });
    return problem ? `as a socket directory, ${problem}` : null;
  }
  if (ipVersion(host) !== 0) return null;
  if (host.includes('://')) return 'it looks like a URL: give the host name only (port, user and database have their own fields)';
  if (host.includes(',')) return 'it lists several hosts: give one host per Node';
  if (/:\d+$/.test(host)) return 'it contains a port: put the port in spec.port';
  if (/\s/.test(host)) return 'it contains whitespace';
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name.length > 253 || !name.split('.').every((label) => LABEL.test(label))) {
    return 'expected a host name (letters, digits, "-" and "_" in dot-separated labels, not starting with "-"), an IPv4/IPv6 address' +
      (options.allowSocketDirectory ? ', or an absolute socket directory' : '');
  }
  return null;
}
