// Instants written in the configuration (`at` of one-off jobs): RFC 3339 date-times with an explicit offset.
// A local time without an offset is refused rather than read in some zone: the same file must mean the same
// instant on every machine and in CI.

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Epoch milliseconds of an RFC 3339 date-time with offset, or null if the text is not one. */
export function parseInstant(text: string): number | null {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((part) => (part === undefined ? 0 : Number(part)));
  // Date.UTC rolls 30 February over into March: check the fields survive the round trip.
  const wall = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!);
  const back = new Date(wall);
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month! - 1 || back.getUTCDate() !== day
    || back.getUTCHours() !== hour || back.getUTCMinutes() !== minute || back.getUTCSeconds() !== second) return null;
  const fraction = m[7] ? Math.floor(Number(m[7]) * 1000) : 0;
  const offset = m[8]!.toUpperCase() === 'Z' ? 0 : offsetMinutes(m[8]!);
  if (offset === null) return null;
  return wall + fraction - offset * 60_000;
}

function offsetMinutes(text: string): number | null {
  const hours = Number(text.slice(1, 3));
  const minutes = Number(text.slice(4, 6));
  if (hours > 23 || minutes > 59) return null;
  return (text[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

/** Why an instant is refused, or null when it is valid. */
export function instantProblem(text: string): string | null {
  if (parseInstant(text) !== null) return null;
  const shown = JSON.stringify(text);
  if (RFC3339.test(text)) return `${shown} names a date or time that does not exist (day, hour, minute or offset out of range)`;
  if (/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) {
    return `${shown} has no offset; write the time zone offset explicitly, e.g. ${text}Z or ${text}+01:00`;
  }
  return `${shown} is not a date and time; expected RFC 3339 with an offset, e.g. 2026-12-01T02:30:00Z`;
}
