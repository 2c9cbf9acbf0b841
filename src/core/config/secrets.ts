// Secrets must never be written in the configuration: it lives in git, in plans and in CI logs. Passwords
// come from libpq instead (passfile, service file, client certificates). Findings never quote the value.
import { walkData } from './data-walk.js';
import { finding, type DocPath, type Finding } from './findings.js';

/** Keys that can only hold a secret (password, dbPassword, sslpassword, client_secret, apiToken...). */
const SECRET_KEY = /pass(word|wd)|secret|token/i;
/**
 * ...unless the key names the file the secret is read from (secretFile, passwordFile): that is the way
 * secrets are given, and its value is a path (checked as one where the field is known).
 */
const FILE_PATH_KEY = /File$/;
/** libpq keyword/value strings and URI query parameters: `password=...`, also PGPASSWORD=... */
const CONNINFO_PASSWORD = /(^|[^a-z0-9_])(pg)?password\s*=/i;
/** URIs with a password in the user-info part: postgresql://user:pass@host/db */
const URI_USERINFO_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^\s/@:]*:[^\s/@]+@/i;

const ADVICE =
  'do not write passwords in the configuration (it is kept in git and shown in plans and logs): ' +
  'give them to libpq with a passfile (spec.passfile), a service (spec.service) or client certificates (spec.sslcert/sslkey)';

/** Every place in a document that holds a secret, outermost first; the values below them are not inspected. */
export function findSecrets(value: unknown): Finding[] {
  const found: Finding[] = [];
  walkData(value, {
    key(key, path) {
      if (!SECRET_KEY.test(key) || FILE_PATH_KEY.test(key)) return true;
      found.push(finding('E_SECRET_FIELD', [...path], `field "${key}" would hold a secret: ${ADVICE}`, 'key'));
      return false;
    },
    string(text, path) {
      if (CONNINFO_PASSWORD.test(text)) found.push(finding('E_SECRET_FIELD', [...path], `this value contains a password ("password=..."): ${ADVICE}`));
      else if (URI_USERINFO_PASSWORD.test(text)) found.push(finding('E_SECRET_FIELD', [...path], `this value is a URI with a password ("user:password@"): ${ADVICE}`));
    },
  });
  return found;
}

/** True when `path` is a secret's path or lies inside one: other findings there must not echo the value. */
export function insideSecret(path: DocPath, secrets: readonly Finding[]): boolean {
  return secrets.some((s) => s.path.length <= path.length && s.path.every((seg, i) => String(seg) === String(path[i])));
}
