// Date.prototype.toISOString without the Date: listing a million backups formats a million timestamps, and
// integer arithmetic is several times cheaper than a Date object and its formatting per timestamp.
import { civilFromDays } from './zoned-calendar.js';

const DAY_MS = 86_400_000;

/** Exactly what `new Date(epochMs).toISOString()` returns, e.g. 2026-11-20T01:30:00.000Z. */
export function isoTimestamp(epochMs: number): string {
  const dayNumber = Math.floor(epochMs / DAY_MS);
  const { year, month, day } = civilFromDays(dayNumber);
  // toISOString writes other years with a sign and six digits (and throws for invalid dates): leave those to it.
  if (!Number.isInteger(epochMs) || year < 0 || year > 9999) return new Date(epochMs).toISOString();
  const msOfDay = epochMs - dayNumber * DAY_MS;
  const hours = Math.floor(msOfDay / 3_600_000);
  const minutes = Math.floor(msOfDay / 60_000) % 60;
  const seconds = Math.floor(msOfDay / 1000) % 60;
  const ms = msOfDay % 1000;
  return `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}T${two(hours)}:${two(minutes)}:${two(seconds)}.${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
