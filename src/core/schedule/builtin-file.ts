// The builtin scheduler's file: the entries the daemon fires itself (with croner) where there is no cron.
// Unlike cron lines it keeps each entry's timezone, since the daemon, not cron, interprets the schedule.
import { sha256Hex } from '../canonical.js';
import type { ObservedEntry, ObservedSchedule, ScheduleEntry } from './entry.js';
import { absentSchedule } from './parse.js';
import { buildEntry, sortedByName, type LineOptions } from './render.js';

export const BUILTIN_FORMAT = 'pgbackops-builtin-schedule/1';

export interface BuiltinScheduleFile {
  format: typeof BUILTIN_FORMAT;
  server: string;
  entries: ScheduleEntry[];
}

/** Entries sorted by name, each checked against its hash so the file never holds a line we would not write. */
export function renderBuiltinFile(server: string, entries: readonly ScheduleEntry[], opts: LineOptions): string {
  const checked = sortedByName(entries).map((e) => {
    const rebuilt = buildEntry(e, opts);
    if (rebuilt.hash !== e.hash) throw new Error(`schedule entry ${e.name} was built with different line options`);
    return { name: e.name, schedule: rebuilt.schedule, timezone: e.timezone, hash: e.hash };
  });
  const file: BuiltinScheduleFile = { format: BUILTIN_FORMAT, server, entries: checked };
  return JSON.stringify(file, null, 2) + '\n';
}

/**
 * Reads the file back. Entries whose hash does not match their name and schedule were edited by hand;
 * content that cannot be read as entries is reported as a problem (the next write replaces the file).
 */
export function parseBuiltinFile(text: string, opts: LineOptions): ObservedSchedule {
  const observed: ObservedSchedule = { ...absentSchedule(), present: true, contentHash: sha256Hex(text) };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { ...observed, problems: [`the file is not valid JSON (${(err as Error).message})`] };
  }
  const file = doc as Partial<BuiltinScheduleFile> | null;
  if (!file || typeof file !== 'object' || file.format !== BUILTIN_FORMAT || !Array.isArray(file.entries)) {
    return { ...observed, problems: [`the file is not a ${BUILTIN_FORMAT} document`] };
  }
  const problems: string[] = [];
  const entries: ObservedEntry[] = [];
  for (const item of file.entries as unknown[]) {
    const raw = JSON.stringify(item);
    const e = item as Partial<ScheduleEntry> | null;
    if (!e || typeof e.name !== 'string' || typeof e.schedule !== 'string' || typeof e.timezone !== 'string' || typeof e.hash !== 'string') {
      problems.push(`unreadable entry: ${raw}`);
      continue;
    }
    entries.push({ name: e.name, schedule: e.schedule, timezone: e.timezone, hash: e.hash, edited: !matchesHash(e as ScheduleEntry, opts), raw });
  }
  return { ...observed, entries, problems };
}

function matchesHash(e: ScheduleEntry, opts: LineOptions): boolean {
  try {
    const rebuilt = buildEntry(e, opts);
    return rebuilt.hash === e.hash && rebuilt.schedule === e.schedule;
  } catch {
    return false; // an unsafe name or schedule: certainly not what pgbackops wrote
  }
}
