// The only values that may reach a cron line, checked again here even though config validation already did
// (defence in depth): cron hands the command to /bin/sh, so anything outside these patterns is refused.
import { ScheduleError } from './errors.js';
import { NAME_PATTERN } from '../names.js';

/** Definition and server names: DNS-label-like, so they are safe in a shell word and in a path. */
export const DEFINITION_NAME_RE = NAME_PATTERN;
/** Absolute paths made of characters the shell does not interpret; no `%` (cron turns it into a newline). */
const SAFE_PATH_RE = /^\/[A-Za-z0-9._/+-]+$/;
/** POSIX-portable user names (useradd's default rule), without the rarely used trailing `$`. */
const CRON_USER_RE = /^[a-z_][a-z0-9_-]{0,31}$/;
/** One item of a cron field: `*`, a number or a range (digits or 3-letter names), with an optional step. */
const CRON_ITEM = String.raw`(?:\*|[0-9]+(?:-[0-9]+)?|[A-Za-z]{3}(?:-[A-Za-z]{3})?)(?:/[0-9]+)?`;
const CRON_FIELD_RE = new RegExp(`^${CRON_ITEM}(?:,${CRON_ITEM})*$`);

function unsafe(what: string, value: string, rule: string): never {
  throw new ScheduleError('SCHEDULE_UNSAFE_VALUE', `refusing ${what} ${JSON.stringify(value)}: ${rule}`);
}

export function assertDefinitionName(name: string, what = 'definition name'): void {
  if (!DEFINITION_NAME_RE.test(name)) {
    unsafe(what, name, 'expected lowercase letters, digits and inner hyphens, at most 63 characters');
  }
}

export function assertSafePath(path: string, what: string): void {
  if (!SAFE_PATH_RE.test(path)) {
    unsafe(what, path, 'expected an absolute path of letters, digits and . _ / + - only');
  }
  if (path.includes('..')) unsafe(what, path, 'a path may not contain ".."');
}

/** PATH for the jobs: a colon-separated list of safe absolute directories. */
export function assertPathEnv(pathEnv: string): void {
  if (pathEnv === '') unsafe('PATH', pathEnv, 'expected at least one directory');
  for (const dir of pathEnv.split(':')) assertSafePath(dir, 'PATH directory');
}

export function assertCronUser(user: string): void {
  if (!CRON_USER_RE.test(user)) unsafe('user', user, 'expected a portable user name ([a-z_][a-z0-9_-]*)');
}

/**
 * Five cron fields with H already resolved, returned with single spaces between fields.
 * Only the characters cron's syntax needs are allowed; whether values are in range is config validation's job.
 */
export function normaliseSchedule(schedule: string): string {
  // Spaces and tabs only between fields: a newline or any other control character is refused, not folded.
  const fields = schedule.replace(/^[ \t]+|[ \t]+$/g, '').split(/[ \t]+/);
  if (fields.length !== 5 || !fields.every((f) => CRON_FIELD_RE.test(f))) {
    unsafe('schedule', schedule, 'expected five cron fields made of digits, names, *, -, / and ,');
  }
  return fields.join(' ');
}
