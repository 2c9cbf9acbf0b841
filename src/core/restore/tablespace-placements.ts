// Where a physical backup's tablespaces go when it is restored into a directory (docs/restore.md,
// "Tablespaces"): each needs a new, empty location given by --tablespace-map OLD=NEW (a Restore's
// tablespaceMap), keyed by its location in the backup, as for pg_basebackup -T. The basebackup and pgbackrest
// methods gather the facts their own way (tablespace_map in base.tar; `pgbackrest info --set`) and share
// these checks. Pure.
import { trimSlash } from '../methods/basebackup/tablespace-map.js';

/** What is at a directory now. */
export type DirectoryState = { kind: 'absent'; parentExists: boolean } | { kind: 'empty-directory' } | { kind: 'not-empty'; entries: number } | { kind: 'not-a-directory' };

export interface TablespacePlacement {
  oid: string;
  /** Where it is in the backup, for messages: its tar (basebackup), or its name (pgBackRest). */
  source: string;
  /** Its location on the source; null when the backup does not say. */
  location: string | null;
  /** Where it is to be restored; null without a mapping for it. */
  to: string | null;
  toState: DirectoryState | null;
}

/** Every tablespace needs a new, empty location (a restore never writes over files, nor over the source's). */
export function checkTablespacePlacements(toDir: string, spaces: readonly TablespacePlacement[], unknown: readonly string[], check: (what: string, ok: boolean, detail: string) => void): void {
  if (spaces.length === 0 && unknown.length === 0) return;
  const problems: string[] = [];
  const unmapped = spaces.filter((t) => t.to === null);
  if (unmapped.length > 0) {
    problems.push(`the backup holds tablespaces that need a new location: ${unmapped.map((t) => `${t.oid} at ${t.location ?? '(not in its tablespace_map)'} (${t.source})`).join(', ')}; give --tablespace-map OLD=NEW for each (e.g. --tablespace-map ${unmapped[0]!.location ?? '/old'}=${toDir}-tablespaces/${unmapped[0]!.oid})`);
  }
  if (unknown.length > 0) problems.push(`--tablespace-map names ${unknown.join(', ')}, which is no tablespace of the backup (it has: ${spaces.map((t) => t.location ?? t.oid).join(', ') || 'none'})`);
  for (const t of spaces) {
    if (t.to === null) continue;
    if (t.location === null) problems.push(`tablespace ${t.oid} (${t.source}) has no location in the backup's tablespace_map`);
    const state = t.toState;
    if (state?.kind === 'not-empty') problems.push(`${t.to} (for tablespace ${t.oid}) is not empty (${state.entries} entries): give an empty or new directory`);
    else if (state?.kind === 'not-a-directory') problems.push(`${t.to} (for tablespace ${t.oid}) exists and is not a directory`);
    else if (state?.kind === 'absent' && !state.parentExists) problems.push(`the parent directory of ${t.to} (for tablespace ${t.oid}) does not exist`);
    const inside = (a: string, b: string) => a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
    if (inside(t.to, toDir)) problems.push(`${t.to} (for tablespace ${t.oid}) overlaps the data directory ${toDir}`);
  }
  const targets = spaces.flatMap((t) => (t.to === null ? [] : [t.to]));
  const twice = targets.filter((t, i) => targets.indexOf(t) !== i);
  if (twice.length > 0) problems.push(`two tablespaces cannot share ${[...new Set(twice)].join(', ')}`);
  check('tablespaces', problems.length === 0, problems.length > 0 ? problems.join('; ')
    : spaces.map((t) => `${t.oid} from ${t.location} to ${t.to} (${t.toState?.kind === 'empty-directory' ? 'empty' : 'created'})`).join(', '));
}

/** The backup's tablespaces placed by the mappings (OLD = a location in the backup), and the mappings naming none. */
export function mapTablespaces(spaces: ReadonlyArray<{ oid: string; source: string; location: string | null }>, mappings: ReadonlyArray<{ from: string; to: string }>): { placements: Array<Omit<TablespacePlacement, 'toState'>>; unknown: string[] } {
  const placements = spaces.map((t) => ({ ...t, to: t.location === null ? null : mappings.find((m) => m.from === trimSlash(t.location!))?.to ?? null }));
  const known = new Set(spaces.flatMap((t) => (t.location === null ? [] : [trimSlash(t.location)])));
  return { placements, unknown: mappings.filter((m) => !known.has(m.from)).map((m) => m.from) };
}
