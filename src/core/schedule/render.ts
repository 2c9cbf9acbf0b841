// Turning schedule entries into cron text: one managed line per definition, and the cron.d file around them.
//
// A managed line runs only the pgbackops launcher with fixed flags and a validated definition name
// (`run --state-dir DIR NAME`), or the server's maintenance (`maintain --state-dir DIR --server SERVER`, whose
// entry is MAINTAIN_ENTRY), and ends with a marker `# pgbackops:<name>:<hash>` (cron hands the whole command to /bin/sh, for which the
// marker is a comment). The hash covers everything before the marker, so a line edited by hand no longer
// matches it and is reported as drift.
import { sha256Hex } from '../canonical.js';
import { isMaintainEntry, type ScheduleEntry } from './entry.js';
import {
  assertCronUser,
  assertDefinitionName,
  assertPathEnv,
  assertSafePath,
  normaliseSchedule,
} from './safe-values.js';

export interface LineOptions {
  /** Absolute path of the pgbackops launcher. */
  binary: string;
  /** State directory passed to `pgbackops run --state-dir`. */
  stateDir: string;
  /** cron.d only: the user field of the line (whom cron runs the job as). Crontab lines have no user field. */
  user?: string;
  /** The backup server the schedule belongs to: the maintain line acts for exactly this server. */
  server?: string;
}

export type CronTextOptions = LineOptions & {
  /** PATH the jobs get, so `#!/usr/bin/env node` in the launcher finds node. */
  pathEnv: string;
};

export const MARKER_PREFIX = '# pgbackops:';
export const CRON_D_HEADER = '# Managed by pgbackops: do not edit. Changes are overwritten at the next apply.';
export const OVERLAP_NOTE =
  '# No flock here: `pgbackops run` takes a per-definition lock itself and records an overlapping start as skipped; `pgbackops maintain` skips while another maintain of the server runs.';
/** Debian cron's default shell, set explicitly so a SHELL= above (in a user crontab) cannot change it. */
export const SHELL_SETTING = 'SHELL=/bin/sh';

/** First 12 hex characters of sha256 of the line text before the marker. */
export function markerHash(lineBody: string): string {
  return sha256Hex(lineBody).slice(0, 12);
}

/** Throws unless the binary, state directory and user can safely go into a cron line. */
export function assertLineOptions(opts: LineOptions): void {
  assertSafePath(opts.binary, 'pgbackops binary');
  assertSafePath(opts.stateDir, 'state directory');
  if (opts.user !== undefined) assertCronUser(opts.user);
  if (opts.server !== undefined) assertDefinitionName(opts.server, 'server name');
}

/** The line without its marker: schedule fields, the user field if any, the command. */
export function lineBody(entry: { name: string; schedule: string }, opts: LineOptions): string {
  assertLineOptions(opts);
  const user = opts.user === undefined ? [] : [opts.user];
  return [normaliseSchedule(entry.schedule), ...user, opts.binary, ...commandArgs(entry.name, opts)].join(' ');
}

/** What the line runs after the launcher: fixed flags, the state directory and a validated name. */
function commandArgs(name: string, opts: LineOptions): string[] {
  if (isMaintainEntry({ name })) {
    if (opts.server === undefined) throw new Error('the maintain line needs the server name: set LineOptions.server');
    return ['maintain', '--state-dir', opts.stateDir, '--server', opts.server];
  }
  assertDefinitionName(name);
  return ['run', '--state-dir', opts.stateDir, name];
}

export function buildEntry(e: { name: string; schedule: string; timezone: string }, opts: LineOptions): ScheduleEntry {
  const schedule = normaliseSchedule(e.schedule);
  return { name: e.name, schedule, timezone: e.timezone, hash: markerHash(lineBody({ name: e.name, schedule }, opts)) };
}

export function renderEntryLine(entry: ScheduleEntry, opts: LineOptions): string {
  const body = lineBody(entry, opts);
  // An entry built with other options (another binary, user...) would be written with a marker that does not
  // match its line, and every later read would report it as edited: refuse instead of looping forever.
  if (markerHash(body) !== entry.hash) {
    throw new Error(`schedule entry ${entry.name} was built with different line options (hash ${entry.hash} does not match its line)`);
  }
  return `${body} ${MARKER_PREFIX}${entry.name}:${entry.hash}`;
}

/** Entries sorted by name (plain code-unit order: names are [a-z0-9-]), refusing duplicates. */
export function sortedByName<T extends { name: string }>(entries: readonly T[]): T[] {
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  sorted.forEach((e, i) => {
    if (i > 0 && sorted[i - 1]!.name === e.name) throw new Error(`schedule entry ${e.name} given twice`);
  });
  return sorted;
}

/** SHELL, PATH, then the entry lines sorted by name: the part cron.d files and crontab blocks share. */
export function renderManagedLines(entries: readonly ScheduleEntry[], opts: CronTextOptions): string[] {
  // Checked even without entries, so a target with bad options fails when it is created, not at its first job.
  assertLineOptions(opts);
  assertPathEnv(opts.pathEnv);
  return [SHELL_SETTING, `PATH=${opts.pathEnv}`, ...sortedByName(entries).map((e) => renderEntryLine(e, opts))];
}

/**
 * The whole cron.d file. An empty entry list still yields the header (and settings): the file stays ours,
 * so nobody else's file can take its name, and "no jobs" is a state that can be read back.
 */
export function renderCronDFile(entries: readonly ScheduleEntry[], opts: CronTextOptions): string {
  if (opts.user === undefined) throw new Error('cron.d lines need a user field: set LineOptions.user');
  return [CRON_D_HEADER, OVERLAP_NOTE, ...renderManagedLines(entries, opts)].join('\n') + '\n';
}
