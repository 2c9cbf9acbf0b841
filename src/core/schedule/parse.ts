// Reading cron text back: which managed lines are there, which were edited by hand, and what else is wrong
// with content pgbackops owns. Parsing never throws on a damaged line: it reports it so the next write can
// restore it. It throws only when the content is not ours at all (a cron.d file without our header).
import { sha256Hex } from '../canonical.js';
import { MAINTAIN_ENTRY, type ObservedEntry, type ObservedSchedule } from './entry.js';
import { ScheduleError } from './errors.js';
import { CRON_D_HEADER, SHELL_SETTING, markerHash } from './render.js';
import { DEFINITION_NAME_RE, assertPathEnv } from './safe-values.js';

/** A well-formed marked line: greedy body, so the last marker on the line is the one that counts. */
const MARKED_LINE_RE = /^(\S.*) # pgbackops:(@maintain|[a-z0-9-]+):([0-9a-f]{12})$/;
/** The command pgbackops writes ends with `run --state-dir <dir> <name>` or `maintain --state-dir <dir> --server <server>`. */
const COMMAND_NAME_RE = /\s(?:run --state-dir \S+ ([a-z0-9-]+)|(maintain) --state-dir \S+ --server [a-z0-9-]+)$/;
/** Same, found anywhere in a damaged line, to recover the entry it was meant for. */
const LOOSE_COMMAND_NAME_RE = /\s(?:run --state-dir \S+ ([a-z0-9-]+)|(maintain) --state-dir)(?=\s|$)/;
const LOOSE_MARKER_RE = /# pgbackops:(@maintain|[a-z0-9-]*)(?::([0-9a-f]{12}))?/;

/** The entry a command is for: the definition a `run` names, or MAINTAIN_ENTRY for `maintain`. */
function commandEntryName(match: RegExpExecArray | null): string | undefined {
  if (!match) return undefined;
  return match[2] === 'maintain' ? MAINTAIN_ENTRY : match[1];
}

function isEntryName(name: string): boolean {
  return name === MAINTAIN_ENTRY || DEFINITION_NAME_RE.test(name);
}
const SETTING_RE = /^\s*[A-Za-z_][A-Za-z0-9_]*\s*=/;

export type ParsedLine = { entry: ObservedEntry } | { unknown: string };

/** One line that is neither blank, a comment nor a setting, inside content pgbackops owns. */
export function parseManagedLine(raw: string): ParsedLine {
  const marked = MARKED_LINE_RE.exec(raw);
  if (marked) {
    const [, body, name, hash] = marked as unknown as [string, string, string, string];
    const commandName = commandEntryName(COMMAND_NAME_RE.exec(body));
    if (isEntryName(name)) {
      const edited = markerHash(body) !== hash || commandName !== name;
      return { entry: { name, schedule: scheduleOf(body), timezone: '', hash, edited, raw } };
    }
  }
  // The marker is missing or mangled: recover the definition from the marker's name, else from the command.
  const loose = LOOSE_MARKER_RE.exec(raw);
  const markerName = loose?.[1];
  const beforeMarker = loose ? raw.slice(0, loose.index) : raw;
  const candidates = [markerName, commandEntryName(LOOSE_COMMAND_NAME_RE.exec(beforeMarker))];
  const name = candidates.find((n): n is string => n !== undefined && isEntryName(n));
  if (name === undefined) return { unknown: raw };
  return { entry: { name, schedule: scheduleOf(beforeMarker), timezone: '', hash: loose?.[2] ?? '', edited: true, raw } };
}

/** The schedule as written on the line: an @keyword, or the first five fields ('' if there are fewer). */
function scheduleOf(text: string): string {
  const tokens = text.trim().split(/\s+/);
  if (tokens[0]?.startsWith('@')) return tokens[0];
  return tokens.length >= 5 ? tokens.slice(0, 5).join(' ') : '';
}

export interface ParsedManagedLines {
  entries: ObservedEntry[];
  /** Content that no entry shows and the next write removes or fixes. */
  problems: string[];
}

/**
 * The managed lines of a cron.d file or crontab block (headers excluded). Blank lines and comments change
 * nothing cron does and are ignored; settings other than our SHELL and PATH, settings placed after a job
 * line, and lines that are no recognisable managed line are problems.
 */
export function parseManagedLines(lines: readonly string[]): ParsedManagedLines {
  const entries: ObservedEntry[] = [];
  const problems: string[] = [];
  const seen = { shell: false, path: false };
  for (const raw of lines) {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    if (SETTING_RE.test(raw)) {
      const problem = settingProblem(raw, seen);
      if (problem) problems.push(problem);
      else if (entries.length > 0) problems.push(`setting after a job line (it does not apply to the lines above it): ${JSON.stringify(raw)}`);
      continue;
    }
    const parsed = parseManagedLine(raw);
    if ('entry' in parsed) entries.push(parsed.entry);
    else problems.push(`unknown line in the managed content: ${JSON.stringify(raw)}`);
  }
  if (!seen.shell) problems.push(`missing ${SHELL_SETTING}`);
  if (!seen.path) problems.push('missing PATH setting');
  return { entries, problems };
}

function settingProblem(raw: string, seen: { shell: boolean; path: boolean }): string | null {
  if (raw === SHELL_SETTING && !seen.shell) {
    seen.shell = true;
    return null;
  }
  if (raw.startsWith('PATH=') && !seen.path && isSafePathEnv(raw.slice('PATH='.length))) {
    seen.path = true;
    return null;
  }
  return `unexpected setting: ${JSON.stringify(raw)}`;
}

function isSafePathEnv(value: string): boolean {
  try {
    assertPathEnv(value);
    return true;
  } catch {
    return false;
  }
}

/** What a target reports when its managed file or block does not exist. */
export function absentSchedule(): ObservedSchedule {
  return { entries: [], contentHash: sha256Hex(''), present: false, problems: [] };
}

/** A cron.d file is ours only if its first line is our header; anything else is never touched. */
export function isPgbackopsCronDFile(text: string): boolean {
  return text === CRON_D_HEADER || text.startsWith(`${CRON_D_HEADER}\n`);
}

export function parseCronDFile(text: string): ObservedSchedule {
  if (!isPgbackopsCronDFile(text)) {
    throw new ScheduleError('SCHEDULE_FOREIGN_FILE', 'the file was not written by pgbackops (its first line is not the pgbackops header); it is left alone');
  }
  const lines = text.split('\n');
  const problems: string[] = [];
  if (lines.at(-1) === '') lines.pop();
  else problems.push('the last line has no final newline (cron ignores such a line)');
  const parsed = parseManagedLines(lines.slice(1));
  return { entries: parsed.entries, contentHash: sha256Hex(text), present: true, problems: [...parsed.problems, ...problems] };
}
