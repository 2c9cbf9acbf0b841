// The options of a physical restore into a directory that `pgbackops restore --to-dir` takes as flags and a
// declarative Restore as spec fields (docs/restore.md, "Physical backups"): one reading of them, so that
// `--target-timeline 1` and `targetTimeline: 1`, `--tablespace-map OLD=NEW` and `tablespaceMap: { OLD: NEW }`,
// `--tablespace-map-all DIR` and `tablespaceMapAll: DIR` are checked alike and become the same restore request. Pure.
import { tablespaceMapping, trimSlash } from '../methods/basebackup/tablespace-map.js';
import type { TargetTimeline } from '../wal/timeline-history.js';
import { recoveryTargetOfSpec, type DirectoryRestoreOptions } from './directory-restore.js';

/** The fields as a Restore's spec has them (the CLI gathers its flags into the same shape). */
export interface DirectoryRestoreFields {
  toDir: string;
  targetTime?: string;
  targetLsn?: string;
  targetName?: string;
  latest?: boolean;
  /** latest, current or a timeline number, as text. */
  targetTimeline?: string;
  /**
   * A tablespace's location in the backup -> where to restore it: a Restore's mapping, or the CLI's OLD=NEW
   * pairs in the order given (where one OLD given twice is seen).
   */
  tablespaceMap?: Readonly<Record<string, string>> | ReadonlyArray<readonly [string, string]>;
  /** Every tablespace not in tablespaceMap into `<this>/<OID>`: an absolute path. */
  tablespaceMapAll?: string;
  start?: boolean;
  port?: number;
}

/** A problem with one field, worded with `name(field)`: the flag for the CLI, the field for a Restore. */
export interface FieldProblem {
  field: 'targetTimeline' | 'tablespaceMap' | 'tablespaceMapAll';
  /** For a tablespaceMap problem: the location (the mapping's key) it is about, and whether the key or its value is wrong. */
  key?: string;
  on?: 'key' | 'value';
  message: string;
}

/** PostgreSQL's timeline IDs are unsigned 32-bit; 0 is never one. */
export function parseTargetTimeline(text: string): TargetTimeline | null {
  if (text === 'latest' || text === 'current') return { kind: text };
  if (!/^[1-9]\d{0,9}$/.test(text) || Number(text) > 0xffff_ffff) return null;
  return { kind: 'number', timeline: Number(text) };
}

/** The recovery target fields alone: what `verify --restore` takes too (its trial restore has no directory of yours). */
export type RecoveryTargetFields = Pick<DirectoryRestoreFields, 'targetTime' | 'targetLsn' | 'targetName' | 'latest' | 'targetTimeline'>;

/** Why the target timeline cannot be used, if it cannot (the target's own values are checked by their readers). */
export function recoveryTargetFieldProblems(fields: RecoveryTargetFields, name: (field: string) => string): FieldProblem[] {
  const given = fields.targetTimeline;
  if (given === undefined) return [];
  if (parseTargetTimeline(given) === null) {
    return [{ field: 'targetTimeline', message: `${name('targetTimeline')} must be latest, current or a timeline number (1, 2, ...), not ${JSON.stringify(given)}` }];
  }
  if (recoveryTargetOfSpec(fields).kind === 'end') {
    return [{ field: 'targetTimeline', message: `${name('targetTimeline')} needs a recovery target (${['targetTime', 'targetLsn', 'targetName', 'latest'].map(name).join(', ')}): the backup's end is on the backup's own timeline` }];
  }
  return [];
}

/** Why the timeline and tablespace fields cannot be used, if they cannot; each message starts with the name. */
export function directoryRestoreFieldProblems(fields: DirectoryRestoreFields, name: (field: string) => string): FieldProblem[] {
  const out: FieldProblem[] = recoveryTargetFieldProblems(fields, name);
  const seen = new Set<string>();
  for (const [from, to] of mappingsOf(fields)) {
    const mapping = tablespaceMapping(from, to, name('tablespaceMap'));
    if ('error' in mapping) out.push({ field: 'tablespaceMap', key: from, on: from.startsWith('/') ? 'value' : 'key', message: mapping.error });
    else if (seen.has(mapping.from)) out.push({ field: 'tablespaceMap', key: from, on: 'key', message: `${name('tablespaceMap')} names ${mapping.from} twice` });
    else seen.add(mapping.from);
  }
  const all = fields.tablespaceMapAll;
  if (all !== undefined && (!all.startsWith('/') || trimSlash(all) === '/')) {
    out.push({ field: 'tablespaceMapAll', message: `${name('tablespaceMapAll')} must be an absolute directory other than /, under which each tablespace goes into a directory named by its OID, not ${JSON.stringify(all)}` });
  } else if (all !== undefined && insideOrSame(trimSlash(all), trimSlash(fields.toDir))) {
    // DIR may be toDir's parent (DIR/<OID> beside it): the plan checks each tablespace's own directory.
    out.push({ field: 'tablespaceMapAll', message: `${name('tablespaceMapAll')} ${all} is inside the data directory ${fields.toDir}: tablespaces go outside it` });
  }
  return out;
}

/** The recovery target and timeline from fields that passed recoveryTargetFieldProblems (and the target checks). */
export function recoveryOptionsOf(fields: RecoveryTargetFields): Pick<DirectoryRestoreOptions, 'target' | 'timeline'> {
  const timeline = fields.targetTimeline === undefined ? null : parseTargetTimeline(fields.targetTimeline);
  return { target: recoveryTargetOfSpec(fields), ...(timeline ? { timeline } : {}) };
}

/** The restore request's options from fields that passed directoryRestoreFieldProblems (and the target checks). */
export function directoryRestoreOptionsOf(fields: DirectoryRestoreFields): DirectoryRestoreOptions {
  const tablespaceMap = mappingsOf(fields).map(([from, to]) => ({ from: trimSlash(from), to: trimSlash(to) }));
  return {
    toDir: fields.toDir,
    ...recoveryOptionsOf(fields),
    ...(tablespaceMap.length > 0 ? { tablespaceMap } : {}),
    ...(fields.tablespaceMapAll !== undefined ? { tablespacesUnder: trimSlash(fields.tablespaceMapAll) } : {}),
    ...(fields.start && fields.port !== undefined ? { start: { port: fields.port } } : {}),
  };
}

function insideOrSame(path: string, directory: string): boolean {
  return path === directory || path.startsWith(`${directory}/`);
}

function mappingsOf(fields: DirectoryRestoreFields): ReadonlyArray<readonly [string, string]> {
  const map = fields.tablespaceMap ?? {};
  return Array.isArray(map) ? map : Object.entries(map);
}
