// libpq connection strings as found in crontab lines (`pg_dump -d "host=db1 dbname=app"`,
// `pg_dump postgresql://app@db1/app`) and as `--from` of `pgbackops import pgbackman`: the keyword=value
// form (values in single quotes with backslash escapes) and the postgresql:// URI form. Pure.

export type Conninfo = Record<string, string>;

export type ConninfoParse = { ok: true; params: Conninfo } | { ok: false; problem: string };

/** Is this word a connection string rather than a plain database name (libpq's own test)? */
export function looksLikeConninfo(text: string): boolean {
  return text.includes('=') || /^postgres(ql)?:\/\//i.test(text);
}

export function parseConninfo(text: string): ConninfoParse {
  return /^postgres(ql)?:\/\//i.test(text) ? parseUri(text) : parseKeywords(text);
}

function parseKeywords(text: string): ConninfoParse {
  const params: Conninfo = {};
  let i = 0;
  const n = text.length;
  const skipBlanks = () => { while (i < n && /\s/.test(text[i]!)) i++; };
  for (;;) {
    skipBlanks();
    if (i >= n) return { ok: true, params };
    const key = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (!key) return { ok: false, problem: `a connection string keyword was expected at ${JSON.stringify(text.slice(i, i + 10))}` };
    i += key[0].length;
    skipBlanks();
    if (text[i] !== '=') return { ok: false, problem: `"=" expected after ${key[0]}` };
    i++;
    skipBlanks();
    let value = '';
    if (text[i] === "'") {
      i++;
      for (;;) {
        if (i >= n) return { ok: false, problem: `unterminated quoted value of ${key[0]}` };
        const c = text[i]!;
        if (c === '\\' && i + 1 < n) { value += text[i + 1]; i += 2; continue; }
        if (c === "'") { i++; break; }
        value += c;
        i++;
      }
    } else {
      while (i < n && !/\s/.test(text[i]!)) {
        if (text[i] === '\\' && i + 1 < n) { value += text[i + 1]; i += 2; continue; }
        value += text[i];
        i++;
      }
    }
    params[key[0]] = value;
  }
}

function parseUri(text: string): ConninfoParse {
  // Take the authority apart by hand: WHATWG URL refuses libpq forms such as a percent-encoded socket
  // directory as the host and an empty host with a user.
  const m = /^postgres(?:ql)?:\/\/(?:([^@/?#]*)@)?([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?$/i.exec(text);
  if (!m) return { ok: false, problem: 'not a postgresql:// URI' };
  const params: Conninfo = {};
  try {
    const [, userinfo, hostport, dbname, query] = m;
    if (userinfo !== undefined) {
      const colon = userinfo.indexOf(':');
      const user = decodeURIComponent(colon === -1 ? userinfo : userinfo.slice(0, colon));
      if (user) params.user = user;
      if (colon !== -1) params.password = decodeURIComponent(userinfo.slice(colon + 1));
    }
    if (hostport) {
      const hp = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostport);
      if (!hp) return { ok: false, problem: 'the host and port of the URI are not readable' };
      const host = decodeURIComponent(hp[1]!.replace(/^\[(.*)\]$/, '$1'));
      if (host) params.host = host;
      if (hp[2]) params.port = hp[2];
    }
    if (dbname) params.dbname = decodeURIComponent(dbname);
    for (const pair of (query ?? '').split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const key = decodeURIComponent(eq === -1 ? pair : pair.slice(0, eq));
      params[key] = decodeURIComponent(eq === -1 ? '' : pair.slice(eq + 1).replace(/\+/g, ' '));
    }
  } catch {
    return { ok: false, problem: 'the URI has a malformed percent-encoding' };
  }
  return { ok: true, params };
}
