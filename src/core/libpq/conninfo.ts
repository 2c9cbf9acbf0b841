// libpq's keyword/value connection strings ("host=/run/postgresql dbname='my db' service=catalog") and the
// keywords pgbackops accepts in them. Pure. The grammar is libpq's (conninfo_parse in fe-connect.c):
// `keyword = value` pairs separated by whitespace, spaces allowed around `=`; a value is either a run of
// non-space characters or a single-quoted string, and a backslash takes the next character literally in
// both. postgresql:// URLs are parsed elsewhere (pg-connection-string).
import { PgbackopsError } from '../errors.js';

export class ConninfoError extends PgbackopsError {
  readonly code = 'E_CONNECTION_STRING';
}

/**
 * The keyword/value pairs of a connection string. Errors never echo a value (a password may be one), only
 * keywords and positions.
 */
export function parseConninfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  for (;;) {
    skipSpace();
    if (i >= text.length) return out;
    const keyStart = i;
    while (i < text.length && text[i] !== '=' && !/\s/.test(text[i]!)) i++;
    const keyword = text.slice(keyStart, i);
    skipSpace();
    if (text[i] !== '=') throw new ConninfoError(`missing "=" after "${keyword}" in the connection string`);
    i++;
    skipSpace();
    let value = '';
    if (text[i] === "'") {
      i++;
      for (;;) {
        if (i >= text.length) throw new ConninfoError(`unterminated quoted value of "${keyword}" in the connection string`);
        const c = text[i]!;
        if (c === '\\' && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
        } else if (c === "'") {
          i++;
          break;
        } else {
          value += c;
          i++;
        }
      }
    } else {
      while (i < text.length && !/\s/.test(text[i]!)) {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i];
        i++;
      }
    }
    out.set(keyword, value);
  }
}

/** Whether a catalog connection string is a URL (postgresql://, postgres://) rather than keyword/value pairs. */
export function isConnectionUrl(text: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(text.trim());
}
