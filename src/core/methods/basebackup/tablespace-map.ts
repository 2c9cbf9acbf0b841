// Tablespaces of a base backup restored into a directory (docs/restore.md, "Tablespaces"): pg_basebackup's tar
// format writes one <OID>.tar per tablespace and, in base.tar, a `tablespace_map` file ("OID PATH" per line)
// from which PostgreSQL, when recovery starts, makes the pg_tblspc/<OID> links. A restore places each
// tablespace where --tablespace-map OLD=NEW says (pg_basebackup -T's convention) and rewrites that file with the
// new locations; without a mapping for every tablespace it refuses, listing them. Pure.

export interface TablespaceEntry {
  oid: string;
  /** The tablespace's location on the source. */
  location: string;
}

/**
 * The lines of a tablespace_map. PostgreSQL (do_pg_backup_start) writes "OID PATH\n", with a backslash before a
 * newline, carriage return or backslash inside PATH; read_tablespace_map undoes it.
 */
export function parseTablespaceMap(text: string): TablespaceEntry[] {
  const out: TablespaceEntry[] = [];
  let i = 0;
  while (i < text.length) {
    let line = '';
    for (; i < text.length && text[i] !== '\n'; i++) {
      if (text[i] === '\\' && i + 1 < text.length && '\n\r\\'.includes(text[i + 1]!)) i++;
      line += text[i];
    }
    i++;
    if (line.trim() === '') continue;
    const m = /^(\d+) (.+)$/s.exec(line);
    if (!m) throw new Error(`not a tablespace_map line: ${JSON.stringify(line)}`);
    out.push({ oid: m[1]!, location: m[2]! });
  }
  return out;
}

export function renderTablespaceMap(entries: readonly TablespaceEntry[]): string {
  return entries.map((e) => `${e.oid} ${e.location.replace(/[\n\r\\]/g, (c) => `\\${c}`)}\n`).join('');
}

/** `OLD=NEW` as given to --tablespace-map (a '=' inside a path is written '\='), or why not. */
export function parseTablespaceMapping(text: string): { from: string; to: string } | { error: string } {
  let from = '';
  let i = 0;
  for (; i < text.length && text[i] !== '='; i++) {
    if (text[i] === '\\' && text[i + 1] === '=') i++;
    from += text[i];
  }
  if (i >= text.length) return { error: `--tablespace-map takes OLD=NEW (a tablespace's location in the backup, then where to restore it), not ${JSON.stringify(text)}` };
  return tablespaceMapping(from, text.slice(i + 1).replace(/\\=/g, '='), '--tablespace-map');
}

/**
 * One mapping, OLD to NEW, checked (both absolute) and with trailing slashes dropped; `name` is how the
 * mapping was given (the flag, or a Restore's tablespaceMap), for the message.
 */
export function tablespaceMapping(from: string, to: string, name: string): { from: string; to: string } | { error: string } {
  if (from === '' || to === '') return { error: `${name} takes OLD=NEW (a tablespace's location in the backup, then where to restore it), not ${JSON.stringify(`${from}=${to}`)}` };
  if (!from.startsWith('/') || !to.startsWith('/')) return { error: `${name} ${from}=${to}: both locations must be absolute paths` };
  return { from: trimSlash(from), to: trimSlash(to) };
}

export function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}
