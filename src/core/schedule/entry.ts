// A schedule entry: one managed job line on a backup server, as pgbackops wants it or as it was read back.
// A line runs either one definition (`pgbackops run NAME`) or the server's maintenance (`pgbackops maintain`).

/**
 * The name of the entry that runs `pgbackops maintain` for the server. The `@` keeps it apart from every
 * definition name ([a-z0-9-]), so the two can share one namespace in plans, markers and the builtin file.
 */
export const MAINTAIN_ENTRY = '@maintain';

export function isMaintainEntry(entry: { name: string }): boolean {
  return entry.name === MAINTAIN_ENTRY;
}

/** The pgbackops arguments an entry runs, before the --state-dir/--server the caller adds. */
export function jobArgsOf(entry: { name: string }): string[] {
  return isMaintainEntry(entry) ? ['maintain'] : ['run', entry.name];
}

export interface ScheduleEntry {
  /** Definition (Backup) name, validated [a-z0-9-] and safe in a cron line and a path; or MAINTAIN_ENTRY. */
  name: string;
  /** Five cron fields, H already resolved. */
  schedule: string;
  /** IANA timezone the schedule is read in. */
  timezone: string;
  /** Short content hash of what the line does; carried in the line's marker. */
  hash: string;
}

/** An entry as found in a schedule target, with what the parser noticed about it. */
export interface ObservedEntry extends ScheduleEntry {
  /** The marker hash does not match the line's content: someone edited it by hand. */
  edited: boolean;
  /** The exact text found, for the diff. */
  raw: string;
}

export interface ObservedSchedule {
  entries: ObservedEntry[];
  /** sha256 of the whole managed content (file or block) as read; used to detect a stale saved plan. */
  contentHash: string;
  /** The managed file/block exists at all. */
  present: boolean;
  /**
   * What is wrong with the managed content besides its entries: unknown lines inside it, changed settings,
   * a wrong file mode or owner. Described in words; a write fixes all of them, so a non-empty list means the
   * target needs a write even when every entry matches. Absent means none were looked for.
   */
  problems?: string[];
}
