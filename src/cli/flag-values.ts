// Parsers for flag values, given to commander (`argParser`) so that an invalid value is a usage error at
// parse time, with commander's message and exit code 1, before anything runs.
import { InvalidArgumentError } from 'commander';
import { CliError } from './output.js';

/** Log levels pino knows, quietest last; `--log-level` and PGBACKOPS_LOG_LEVEL accept exactly these. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/** A number of seconds, zero or more (fractions allowed); the text is kept, as the flag's default is text. */
export function seconds(value: string): string {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number of seconds (0 or more).');
  return value;
}

/** `targetTime` → `--target-time`: the flag of an option, for messages that name it. */
export function flagOf(option: string): string {
  return '--' + option.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

/** A `--since`/`--now` value: an ISO 8601 date or time. */
export function parseTime(text: string, flag: string): Date {
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(ms)) throw new CliError(`${flag} must be an ISO 8601 date or time, not ${JSON.stringify(text)}`);
  return new Date(ms);
}
