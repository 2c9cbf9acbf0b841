// `SET name TO value` for a setting stored in pg_db_role_setting ("name=value"), quoted so that re-running it
// stores exactly the same text. Pure.
//
// Settings flagged GUC_LIST_QUOTE in the server (search_path and a few others) are stored as a list of
// identifiers, each double-quoted when needed ("Sales", public). Given as one literal, the whole list would
// become a single schema name, so the list is split the way the server writes it and every element is given
// as its own literal, which the server quotes again: 'Sales', 'public' -> "Sales", public. This is what
// pg_dump does (makeAlterConfigCommand / SplitGUCList).
import { escapeIdentifier, escapeLiteral } from 'pg';

/** The server's GUC_LIST_QUOTE settings, as pg_dump lists them (variable_is_guc_list_quote). */
const LIST_QUOTED = new Set([
  'local_preload_libraries',
  'search_path',
  'session_preload_libraries',
  'shared_preload_libraries',
  'temp_tablespaces',
  'unix_socket_directories',
]);

export interface StoredSetting {
  name: string;
  value: string;
}

/** "work_mem=64MB" -> { name: "work_mem", value: "64MB" }; a value may itself contain '='. */
export function parseStoredSetting(entry: string): StoredSetting {
  const eq = entry.indexOf('=');
  if (eq <= 0) throw new Error(`not a name=value setting: ${JSON.stringify(entry)}`);
  return { name: entry.slice(0, eq), value: entry.slice(eq + 1) };
}

/** `"name" TO <value>` — the tail of ALTER ROLE/DATABASE ... SET. */
export function renderSetTo(entry: string): string {
  const { name, value } = parseStoredSetting(entry);
  let rendered = escapeLiteral(value);
  if (LIST_QUOTED.has(name.toLowerCase())) {
    const elements = splitGucList(value);
    // An empty list is stored as "": one empty element. A list the server would not have written
    // (unbalanced quotes) is kept as one literal rather than guessed at.
    if (elements !== null) rendered = elements.length === 0 ? "''" : elements.map(escapeLiteral).join(', ');
  }
  return `${escapeIdentifier(name)} TO ${rendered}`;
}

/**
 * Splits a list-valued setting as stored by the server: comma-separated, blanks around items ignored,
 * "double-quoted" items taken literally with "" meaning one quote. Null when the text is not such a list.
 * A port of SplitGUCList (src/fe_utils/string_utils.c).
 */
export function splitGucList(raw: string): string[] | null {
  const items: string[] = [];
  let i = skipSpace(raw, 0);
  if (i === raw.length) return items;
  for (;;) {
    let item: string;
    if (raw[i] === '"') {
      item = '';
      i++;
      for (;;) {
        const end = raw.indexOf('"', i);
        if (end === -1) return null;
        item += raw.slice(i, end);
        if (raw[end + 1] === '"') {
          item += '"';
          i = end + 2;
        } else {
          i = end + 1;
          break;
        }
      }
    } else {
      const start = i;
      while (i < raw.length && raw[i] !== ',' && !isSpace(raw[i] as string)) i++;
      if (i === start) return null;
      item = raw.slice(start, i);
    }
    items.push(item);
    i = skipSpace(raw, i);
    if (i === raw.length) return items;
    if (raw[i] !== ',') return null;
    i = skipSpace(raw, i + 1);
  }
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
}

function skipSpace(raw: string, i: number): number {
  while (i < raw.length && isSpace(raw[i] as string)) i++;
  return i;
}
